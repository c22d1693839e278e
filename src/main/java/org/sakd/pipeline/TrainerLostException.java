package org.sakd.pipeline;

/**
 * A trainer node of a cluster run was lost (unreachable, or removed from the cluster): the run
 * stops at once and the coordinator continues from the last checkpoint with the nodes left.
 */
public final class TrainerLostException extends IllegalStateException {
  private final String node;

  public TrainerLostException(String node, String message) {
    super(message);
    this.node = node;
  }

  /** The lost node's host:port, as in cluster.trainers. */
  public String node() {
    return node;
  }

  /** The first TrainerLostException in {@code e}'s causes, or null. */
  public static TrainerLostException in(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof TrainerLostException lost) {
        return lost;
      }
    }
    return null;
  }
}

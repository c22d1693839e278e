package org.sakd.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.sakd.proto.TrainerHello;
import org.sakd.proto.TrainerWelcome;

/**
 * The coordinator's door: registered under {@link #KEY} with the cluster's receptionist, it takes
 * the hellos of trainer nodes, refuses one whose model, parameter layout, data index, run settings
 * or teacher differ from the coordinator's (naming the difference), and when every entry of {@code
 * cluster.trainers} has a node answers {@link Joined} with them in rank order; when they have not
 * all come within the timeout, {@link Missing} names who is missing. A node that says hello after
 * the run started is refused.
 */
public final class TrainerRoster extends AbstractBehavior<Object> {

  /** Where trainer nodes find the coordinator. */
  public static final ServiceKey<Object> KEY = ServiceKey.create(Object.class, "sakd-coordinator");

  /**
   * A trainer node taken into the run: its entry, its actor, its all-reduce actor (as a string).
   */
  public record Member(
      int index, ActorRef<Object> trainer, String ring, String node, String entry) {}

  public record Joined(List<Member> members) {}

  public record Missing(String message) {}

  private record Timeout() {}

  private final TrainerHello expected;
  private final List<String> entries;
  private final int timeoutSeconds;
  private final ActorRef<Object> replyTo;
  private final ActorRefResolver resolver;
  private final TreeMap<Integer, Member> joined = new TreeMap<>();
  private boolean done;

  private TrainerRoster(
      ActorContext<Object> ctx,
      TimerScheduler<Object> timers,
      TrainerHello expected,
      List<String> entries,
      int timeoutSeconds,
      ActorRef<Object> replyTo) {
    super(ctx);
    this.expected = expected;
    this.entries = List.copyOf(entries);
    this.timeoutSeconds = timeoutSeconds;
    this.replyTo = replyTo;
    this.resolver = ActorRefResolver.get(ctx.getSystem());
    ctx.getSystem().receptionist().tell(Receptionist.register(KEY, ctx.getSelf()));
    timers.startSingleTimer(new Timeout(), Duration.ofSeconds(timeoutSeconds));
  }

  /**
   * {@code expected}: the coordinator's own model, layout, data index, run and teacher; {@code
   * entries}: cluster.trainers.
   */
  public static Behavior<Object> create(
      TrainerHello expected, List<String> entries, int timeoutSeconds, ActorRef<Object> replyTo) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers ->
                    new TrainerRoster(ctx, timers, expected, entries, timeoutSeconds, replyTo)));
  }

  @Override
  public Receive<Object> createReceive() {
    return newReceiveBuilder()
        .onMessage(TrainerHello.class, this::onHello)
        .onMessage(Timeout.class, this::onTimeout)
        .build();
  }

  private Behavior<Object> onHello(TrainerHello h) {
    ActorRef<Object> trainer = resolver.resolveActorRef(h.getTrainer());
    // the node's entry is where its address is in cluster.trainers (after a lost node the list
    // holds only the survivors)
    int entry = entryOf(h.getNode());
    h = h.toBuilder().setIndex(entry).build();
    String why = entry < 0 ? h.getNode() + " is not an entry of cluster.trainers " + entries : null;
    why = why != null ? why : difference(h);
    if (why == null && done) {
      why = "the run has started with its trainers";
    }
    if (why == null
        && joined.containsKey(h.getIndex())
        && !joined.get(h.getIndex()).node().equals(h.getNode())) {
      why =
          "entry "
              + h.getIndex()
              + " of cluster.trainers is taken by node "
              + joined.get(h.getIndex()).node();
    }
    if (why != null) {
      getContext().getLog().warn("refused trainer node {}: {}", h.getNode(), why);
      trainer.tell(TrainerWelcome.newBuilder().setRefused(true).setReason(why).build());
      return this;
    }
    joined.put(
        h.getIndex(),
        new Member(h.getIndex(), trainer, h.getRing(), h.getNode(), entries.get(h.getIndex())));
    getContext()
        .getLog()
        .info(
            "trainer node {} joined as entry {} ({} of {})",
            h.getNode(),
            h.getIndex(),
            joined.size(),
            entries.size());
    if (joined.size() == entries.size()) {
      done = true;
      replyTo.tell(new Joined(List.copyOf(joined.values())));
    }
    return this;
  }

  /** The entry of cluster.trainers at {@code node}'s host:port, or -1. */
  private int entryOf(String node) {
    String hostPort = node.substring(node.indexOf('@') + 1);
    for (int i = 0; i < entries.size(); i++) {
      String e = entries.get(i);
      if ((e.contains("/") ? e.substring(0, e.indexOf('/')) : e).equals(hostPort)) {
        return i;
      }
    }
    return -1;
  }

  /** What differs between a node and the coordinator, or null. */
  private String difference(TrainerHello h) {
    if (h.getIndex() < 0 || h.getIndex() >= entries.size()) {
      return "entry "
          + h.getIndex()
          + " is not in cluster.trainers ("
          + entries.size()
          + " entries)";
    }
    String[][] fields = {
      {"model", h.getModel(), expected.getModel()},
      {"parameter layout", h.getLayout(), expected.getLayout()},
      {"data index", h.getDataIndex(), expected.getDataIndex()},
      {"run settings", h.getRun(), expected.getRun()},
      {"teacher", h.getTeacher(), expected.getTeacher()},
    };
    for (String[] f : fields) {
      if (!f[1].equals(f[2])) {
        return f[0]
            + " differs: the node has "
            + shortly(f[1])
            + ", the coordinator "
            + shortly(f[2]);
      }
    }
    return null;
  }

  private static String shortly(String v) {
    return v.matches("[0-9a-f]{64}") ? v.substring(0, 12) : v;
  }

  private Behavior<Object> onTimeout(Timeout t) {
    if (done) {
      return this;
    }
    List<String> missing = new ArrayList<>();
    for (int i = 0; i < entries.size(); i++) {
      if (!joined.containsKey(i)) {
        missing.add(entries.get(i));
      }
    }
    done = true;
    replyTo.tell(
        new Missing(
            joined.size()
                + " of "
                + entries.size()
                + " trainer nodes joined within "
                + timeoutSeconds
                + " s (cluster.join-timeout-seconds); missing: "
                + String.join(", ", missing)));
    return this;
  }
}

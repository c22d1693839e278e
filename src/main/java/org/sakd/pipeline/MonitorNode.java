package org.sakd.pipeline;

import java.net.URI;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.sakd.cluster.ClusterConfig;
import org.sakd.config.Settings;
import org.sakd.config.SettingsException;
import org.sakd.monitor.MonitorServer;
import org.sakd.monitor.RunBoard;
import org.sakd.monitor.RunFeed;
import org.sakd.monitor.RunWatcher;

/**
 * The monitor node of a cluster run (cluster.monitor): the run's dashboard on
 * monitor.http.host/port with the cluster's membership at /cluster/members, fed by the
 * coordinator's {@link RunFeed} through a {@link RunWatcher}; read-only, never a seed, nothing the
 * run waits for. The server and its board outlive the node's actor system: when the cluster downs
 * this node (the coordinator was killed, and the split-brain resolver keeps the oldest's side) or
 * the coordinator left it ({@link RunWatcher#COORDINATOR_LEFT}), it joins again in a new actor
 * system — on the same HTTP port, with the events it has — and goes on with the restarted
 * coordinator's feed.
 */
public final class MonitorNode implements AutoCloseable {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(MonitorNode.class);

  private final Settings settings;
  private final RunBoard board;
  private final AtomicReference<ActorSystem<?>> cluster = new AtomicReference<>();
  private final CompletableFuture<Void> stopped = new CompletableFuture<>();
  private final MonitorServer server;
  private volatile boolean closed;

  private MonitorNode(Settings s) {
    this.settings = s;
    this.board =
        new RunBoard(
            new RunBoard.RunInfo(
                s.run().name(),
                s.distill().mode().configName(),
                s.train().epochs(),
                // the coordinator keeps one CPU replica to validate with
                List.of(
                    new RunBoard.Node(s.cluster().coordinator(), "coordinator", List.of("cpu")))));
    try {
      join();
    } catch (RuntimeException e) {
      // Artery cannot bind (a port in use, an address this machine does not have)
      throw new SettingsException(
          "cluster.monitor",
          s.cluster().monitor(),
          "a host:port this machine can listen on (" + e.getMessage() + ")");
    }
    try {
      Settings.Monitor.Http h = s.monitor().http();
      this.server =
          MonitorServer.start(h.host(), h.port(), board, MonitorServer.clusterRoutes(cluster::get));
    } catch (RuntimeException e) {
      close();
      throw e;
    }
  }

  /** Joins the cluster of {@code s} as its monitor node and serves the dashboard. */
  public static MonitorNode start(Settings s) {
    return new MonitorNode(s);
  }

  /** Runs the monitor node of {@code s} until its JVM is stopped (SIGTERM, Ctrl-C). */
  public static void run(Settings s) {
    try (MonitorNode node = start(s)) {
      System.out.println("dashboard: " + node.url());
      node.stopped.join();
    }
  }

  public URI url() {
    return server.url();
  }

  private void join() {
    // a JVM shutdown (SIGTERM, Ctrl-C) leaves the cluster gracefully: Pekko's shutdown hook stays
    // on
    ActorSystem<Object> system =
        ActorSystem.create(
            RunWatcher.create(board),
            ClusterConfig.SYSTEM_NAME,
            ClusterConfig.system(
                ClusterRun.nodeSpec(settings, settings.cluster().monitor(), "monitor")));
    cluster.set(system);
    system.getWhenTerminated().thenRunAsync(() -> ended(system));
  }

  private void ended(ActorSystem<?> system) {
    // downed (the coordinator was lost) or left after the coordinator: join the next cluster
    boolean rejoin =
        CoordinatedShutdown.get(system)
            .getShutdownReason()
            .filter(
                r ->
                    r.equals(CoordinatedShutdown.clusterDowningReason())
                        || r == RunWatcher.COORDINATOR_LEFT)
            .isPresent();
    if (closed || !rejoin) {
      stopped.complete(null); // stopped: the JVM's shutdown or close
      return;
    }
    LOG.warn("this monitor node is out of the run's cluster (its coordinator gone); joining again");
    try {
      join();
    } catch (RuntimeException e) {
      LOG.error("the monitor node cannot join again: {}", e.toString());
      stopped.complete(null);
    }
  }

  /** Leaves the cluster and stops the server. */
  @Override
  public void close() {
    closed = true;
    ActorSystem<?> system = cluster.get();
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().join();
    if (server != null) {
      server.close();
    }
  }
}

package org.sakd.pipeline;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.sakd.config.Settings;
import org.sakd.monitor.RunLog;

/**
 * On the coordinator, for the run's decoder nodes (cluster.decoders): a decoder node that turns
 * unreachable is recorded once, as a "decoder-lost" event in events.jsonl and a fault in
 * cluster.json. The run goes on: the trainer it served decodes the clips it did not deliver ({@link
 * DecoderLink}), so nothing else happens here.
 */
public final class DecoderWatch extends AbstractBehavior<ClusterEvent.UnreachableMember> {

  private final Map<String, String> entries = new HashMap<>(); // "host:port" -> its entry
  private final Set<String> reported = new HashSet<>();
  private final ClusterStats stats;
  private final RunLog log;

  private DecoderWatch(
      ActorContext<ClusterEvent.UnreachableMember> ctx,
      List<String> decoders,
      ClusterStats stats,
      RunLog log) {
    super(ctx);
    this.stats = stats;
    this.log = log;
    for (String d : decoders) {
      entries.put(Settings.Cluster.host(d) + ":" + Settings.Cluster.port(d), d);
    }
    Cluster.get(ctx.getSystem())
        .subscriptions()
        .tell(Subscribe.create(ctx.getSelf(), ClusterEvent.UnreachableMember.class));
  }

  /**
   * {@code decoders}: the entries of cluster.decoders ("host:port/trainerIndex"); {@code log} the
   * run's folder's log (its events are appended, one line each). Spawn it on a blocking dispatcher.
   */
  public static Behavior<ClusterEvent.UnreachableMember> create(
      List<String> decoders, ClusterStats stats, RunLog log) {
    return Behaviors.setup(ctx -> new DecoderWatch(ctx, decoders, stats, log));
  }

  @Override
  public Receive<ClusterEvent.UnreachableMember> createReceive() {
    return newReceiveBuilder()
        .onMessage(ClusterEvent.UnreachableMember.class, this::onUnreachable)
        .build();
  }

  private Behavior<ClusterEvent.UnreachableMember> onUnreachable(ClusterEvent.UnreachableMember u) {
    var a = u.member().address();
    String entry =
        a.getHost().isPresent() && a.getPort().isPresent()
            ? entries.get(a.getHost().get() + ":" + a.getPort().get())
            : null;
    if (entry == null || !reported.add(entry)) {
      return this;
    }
    int trainer = Settings.Cluster.servedTrainer(entry);
    String what =
        "decoder node " + entry + " is unreachable; trainer " + trainer + " decodes its clips";
    getContext().getLog().warn(what);
    // under the figures' lock, so that the event and cluster.json's fault are both there or neither
    // (the run over, the cluster shutting down: neither)
    synchronized (stats) {
      if (stats.fault(entry, what)) {
        log.event("decoder-lost", Map.of("node", entry, "trainer", trainer));
      }
    }
    return this;
  }
}

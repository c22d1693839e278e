package org.sakd.pipeline;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.sakd.cluster.ClusterConfig;
import org.sakd.cluster.NodeSpec;
import org.sakd.cluster.RingAllReduce;
import org.sakd.config.Settings;
import org.sakd.data.ClipSource;
import org.sakd.data.DatasetIndex;
import org.sakd.monitor.RunFeed;
import org.sakd.monitor.RunLog;
import org.sakd.proto.RunOver;
import org.sakd.proto.TrainerHello;
import org.sakd.proto.TrainerWelcome;
import org.sakd.train.ClipLoader;
import org.sakd.train.Network;
import org.sakd.train.StudentReplica;

/**
 * The two ends of a cluster run (DESIGN.md "Distribution"). The coordinator is {@link DistillRun}
 * with {@code cluster.enabled}: its replicas are {@link RemoteTrainer} proxies of the trainer nodes
 * that {@link TrainerRoster} admitted. A trainer node ({@link #runTrainer}) is one JVM with one
 * replica on its device, its own decoders and teacher, and the ring all-reduce.
 */
public final class ClusterRun {
  private ClusterRun() {}

  /**
   * Spawns one proxy per admitted node (rank = order of entries) and welcomes every node with its
   * rank, the ring's members and its proxy; returns the proxies in rank order.
   */
  static List<ActorRef<TrainerActor.Command>> admit(
      ActorContext<Object> ctx,
      List<TrainerRoster.Member> members,
      RunLog log,
      ClusterStats stats) {
    ActorRefResolver resolver = ActorRefResolver.get(ctx.getSystem());
    List<ActorRef<TrainerActor.Command>> proxies = new ArrayList<>();
    List<String> ring = members.stream().map(TrainerRoster.Member::ring).toList();
    // a new ring for every admission (a resumed coordinator's ring must be newer than the one its
    // surviving nodes knew): ring ids only grow
    long ringId = System.currentTimeMillis();
    for (int rank = 0; rank < members.size(); rank++) {
      TrainerRoster.Member m = members.get(rank);
      ActorRef<Object> proxy =
          ctx.spawn(
              // a lost node is reported by the run in one line, not by the supervisor's stack trace
              Behaviors.supervise(
                      RemoteTrainer.create(
                          m.trainer(),
                          rank,
                          m.node(),
                          stats,
                          stats.admitted(m.node(), m.entry(), rank)))
                  .onFailure(SupervisorStrategy.stop().withLoggingEnabled(false)),
              "trainer-node-" + m.index());
      ctx.watch(proxy);
      proxies.add(proxy.narrow());
      m.trainer()
          .tell(
              TrainerWelcome.newBuilder()
                  .setRingId(ringId)
                  .setRank(rank)
                  .addAllMembers(ring)
                  .setCoordinator(resolver.toSerializationFormat(proxy))
                  .build());
    }
    List<Map<String, Object>> trainers = new ArrayList<>();
    for (int rank = 0; rank < members.size(); rank++) {
      TrainerRoster.Member m = members.get(rank);
      Map<String, Object> t = new java.util.LinkedHashMap<>();
      t.put("rank", rank);
      t.put("address", m.node());
      t.put("device", Settings.Cluster.device(m.entry()));
      trainers.add(t);
    }
    log.event(
        "cluster",
        Map.of(
            "trainers",
            trainers,
            "ring",
            members.size(),
            "transport",
            ctx.getSystem().settings().config().getString("pekko.remote.artery.transport")));
    return proxies;
  }

  /**
   * The coordinator's side of a cluster run: one actor system for the whole run, in which each
   * attempt of the run ({@link DistillRun#attempt}) admits the trainer nodes and trains with them.
   * A lost trainer node ends the attempt at once; the next continues from the last checkpoint with
   * the nodes left (their ring rebuilt), as long as cluster.min-trainers remain. Each loss is a
   * "trainer-lost" event in events.jsonl.
   */
  static DistillRun.Outcome coordinate(DistillRun.Inputs in, String model) {
    Settings s = in.settings();
    ActorSystem<Void> system =
        ActorSystem.create(
            Behaviors.empty(),
            ClusterConfig.SYSTEM_NAME,
            coordinatorConfig(s).withFallback(DistillRun.actorConfig(s)));
    ClusterStats stats = new ClusterStats(s.cluster().coordinator());
    if (!s.cluster().decoders().isEmpty()) {
      // a lost decoder node goes into events.jsonl and cluster.json (its trainer decodes for it)
      system.systemActorOf(
          DecoderWatch.create(s.cluster().decoders(), stats, new RunLog(in.runDir())),
          "decoder-watch",
          DispatcherSelector.blocking());
    }
    if (s.cluster().hasMonitor()) {
      // the monitor node's read-only view of the run, for all its attempts
      system.systemActorOf(
          RunFeed.create(in.runDir().resolve("events.jsonl")),
          "run-feed",
          DispatcherSelector.blocking());
    }
    try {
      DistillRun.Inputs run = in;
      while (true) {
        try {
          stats.attempt();
          return DistillRun.attempt(run, model, system, stats);
        } catch (IllegalStateException e) {
          TrainerLostException lost = TrainerLostException.in(e);
          if (lost == null) {
            throw e;
          }
          stats.fault(lost.node(), lost.getMessage());
          List<String> left = new ArrayList<>();
          for (String t : run.settings().cluster().trainers()) {
            if (!t.equals(lost.node()) && !t.startsWith(lost.node() + "/")) {
              left.add(t);
            }
          }
          new RunLog(in.runDir())
              .event("trainer-lost", Map.of("node", lost.node(), "trainers-left", left));
          if (left.size() < s.cluster().minTrainers()) {
            throw new IllegalStateException(
                lost.getMessage()
                    + "; "
                    + left.size()
                    + " trainer node(s) left, fewer than cluster.min-trainers ("
                    + s.cluster().minTrainers()
                    + "): start the lost node and continue with --resume",
                e);
          }
          LOG.warn(
              "{}; continuing from the last checkpoint with {} trainer node(s)",
              lost.getMessage(),
              left.size());
          run =
              new DistillRun.Inputs(
                  run.settings()
                      .with(
                          Map.of(
                              "cluster.trainers",
                              left,
                              "cluster.decoders",
                              decodersOf(run.settings().cluster(), left))),
                  run.index(),
                  run.source(),
                  run.teacherModel(),
                  run.teacherParameters(),
                  run.studentInit(),
                  run.runDir(),
                  true,
                  run.stopAfterEpoch());
        }
      }
    } finally {
      new RunLog(in.runDir()).write("cluster.json", org.sakd.monitor.Json.write(stats.close()));
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().join();
    }
  }

  /**
   * The entries of cluster.decoders that serve the trainers {@code left}, renumbered to their
   * trainers' places in it (a decoder of a lost trainer has nobody to serve).
   */
  static List<String> decodersOf(Settings.Cluster c, List<String> left) {
    List<String> out = new ArrayList<>();
    for (String d : c.decoders()) {
      int at = left.indexOf(c.trainers().get(Settings.Cluster.servedTrainer(d)));
      if (at >= 0) {
        out.add(d.substring(0, d.indexOf('/') + 1) + at);
      }
    }
    return out;
  }

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ClusterRun.class);

  /** Tells every trainer node that the run is over (exit code 0, or 1 with the failure). */
  static void runOver(List<ActorRef<Object>> nodes, EpochCoordinator.RunResult r) {
    RunOver msg =
        r.failure() == null
            ? RunOver.newBuilder().setExitCode(0).setReason("the run finished").build()
            : RunOver.newBuilder()
                .setExitCode(1)
                .setReason("the run failed: " + r.failure().getMessage())
                .build();
    nodes.forEach(n -> n.tell(msg));
  }

  /** The coordinator node's cluster settings, at cluster.coordinator. */
  static Config coordinatorConfig(Settings s) {
    return nodeConfig(s, s.cluster().coordinator(), "coordinator");
  }

  /** Trainer node {@code entry}'s cluster settings, at its entry of cluster.trainers. */
  static Config trainerConfig(Settings s, int entry) {
    return nodeConfig(s, s.cluster().trainers().get(entry), "trainer");
  }

  private static Config nodeConfig(Settings s, String entry, String role) {
    return ClusterConfig.node(nodeSpec(s, entry, role));
  }

  /**
   * Every node lists every node of the layout but the monitor as a seed, the coordinator first: the
   * coordinator forms the cluster when it starts first, and a coordinator that restarts (a resume
   * after a lost trainer) joins the trainers that are still up instead of forming a second cluster.
   * The monitor node is never a seed: it only ever joins a cluster of the run.
   */
  static NodeSpec nodeSpec(Settings s, String entry, String role) {
    List<String> seeds = new ArrayList<>();
    seeds.add(s.cluster().coordinator());
    for (String t : s.cluster().trainers()) {
      seeds.add(t.contains("/") ? t.substring(0, t.indexOf('/')) : t);
    }
    return new NodeSpec(
        Settings.Cluster.host(entry),
        Settings.Cluster.port(entry),
        seeds,
        List.of(role),
        tls(s.cluster().tls()),
        "pekko.cluster.log-info = off");
  }

  /** cluster.tls as Artery's tls-tcp settings, or null (plain tcp) when not enabled. */
  static NodeSpec.Tls tls(Settings.Cluster.Tls t) {
    return t.enabled()
        ? new NodeSpec.Tls(
            t.keyStore(),
            t.keyStorePassword(),
            t.keyPassword(),
            t.trustStore(),
            t.trustStorePassword())
        : null;
  }

  /** What a trainer node needs: the run's settings and data, the teacher, the student's start. */
  public record TrainerInputs(
      Settings settings,
      DatasetIndex index,
      ClipSource source,
      String teacherModel,
      byte[] teacherParameters,
      byte[] studentInit,
      int entry) {}

  /**
   * Runs trainer node {@code entry} of cluster.trainers until the coordinator ends the run (or is
   * lost, or refuses the node); returns how it ended.
   */
  public static TrainerNode.Ended runTrainer(TrainerInputs in) {
    Settings s = in.settings();
    String device = Settings.Cluster.device(s.cluster().trainers().get(in.entry()));
    ClipLoader loader = DistillRun.clipLoader(s, in.source());
    CompletableFuture<TrainerNode.Ended> ended = new CompletableFuture<>();
    try (NDManager root = NDManager.newBaseManager(DistillRun.device(device));
        NDManager studentScope = NDManager.newBaseManager(DistillRun.device(device))) {
      int classes = in.index().classes().size();
      Shape clip = DistillRun.clipShape(in.source(), in.index());
      Network teacher =
          DistillRun.network("model.teacher", in.teacherModel(), classes, clip, false, s, root);
      if (in.teacherParameters() != null) {
        teacher.loadParameterBytes(in.teacherParameters());
      }
      // the node's student, and the same again in another scope for its scorer
      java.util.function.Function<NDManager, StudentReplica> student =
          scope ->
              DistillRun.replica(
                  s,
                  s.model().student(),
                  false,
                  classes,
                  teacher.classifier().featureDim(),
                  in.studentInit(),
                  clip,
                  scope,
                  false);
      StudentReplica replica = student.apply(studentScope);
      // the scoring pass's share of this node: rank 0's student is loaded into it before each pass
      StudentReplica scorerReplica =
          s.distill().mode() == org.sakd.sakd.RunMode.SAKD ? student.apply(root) : null;
      TrainerHello hello =
          NodeIdentity.of(
              s,
              in.index(),
              in.teacherModel(),
              in.teacherParameters(),
              replica.student(),
              device,
              in.entry());
      Behavior<Void> guardian =
          Behaviors.setup(
              ctx -> {
                DispatcherSelector compute =
                    DispatcherSelector.fromConfig("sakd-compute-dispatcher");
                var decoders = DecoderActor.spawnPool(ctx, s.data().decoders(), loader);
                ActorRef<Object> shards =
                    ctx.spawn(
                        DecoderLink.create(
                            decoders,
                            in.entry(),
                            s.cluster().decoderOf(in.entry()),
                            in.index().fingerprint(),
                            NodeIdentity.runHash(s),
                            s.cluster().joinTimeoutSeconds()),
                        "decoder-link");
                var teacherRef = ctx.spawn(TeacherActor.create(teacher), "teacher", compute);
                var interrupter = ctx.spawn(InterrupterActor.create(), "interrupter", compute);
                ActorRef<ScorerActor.Command> scorer =
                    scorerReplica == null
                        ? null
                        : ctx.spawn(ScorerActor.create(scorerReplica), "scorer", compute);
                var ring = ctx.spawn(RingAllReduce.create(), RingAllReduce.NAME);
                var node =
                    ctx.spawn(
                        TrainerNode.create(
                            replica,
                            in.index().train(),
                            // the node's own stages: no decoders (it decodes through its
                            // DecoderLink), no selector (the coordinator selects), no trainers
                            // but this node
                            new Stages(null, interrupter, teacherRef, scorer, null, List.of()),
                            shards.narrow(),
                            new ActorRing(ring, ctx.getSystem()),
                            hello.toBuilder()
                                .setRing(
                                    ActorRefResolver.get(ctx.getSystem())
                                        .toSerializationFormat(ring))
                                .build(),
                            ended,
                            s.cluster().joinTimeoutSeconds()),
                        "trainer-node",
                        compute);
                ctx.watch(ring);
                ctx.watch(node);
                ctx.watch(teacherRef);
                return Behaviors.receive(Void.class)
                    .onSignal(
                        org.apache.pekko.actor.typed.Terminated.class,
                        t -> {
                          ended.complete(
                              new TrainerNode.Ended(
                                  1, "actor " + t.getRef().path().name() + " stopped"));
                          return Behaviors.stopped();
                        })
                    .build();
              });
      return runNode(guardian, trainerConfig(s, in.entry()), s, ended);
    }
  }

  /**
   * Runs a node's actor system ({@code guardian} at its cluster settings {@code node}) until the
   * node says how it {@code ended}; then terminates it.
   */
  private static <T> T runNode(
      Behavior<Void> guardian, Config node, Settings s, CompletableFuture<T> ended) {
    ActorSystem<Void> system =
        ActorSystem.create(
            guardian, ClusterConfig.SYSTEM_NAME, node.withFallback(DistillRun.actorConfig(s)));
    try {
      return ended.join();
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().join();
    }
  }

  /** Decoder node {@code entry}'s cluster settings, at its entry of cluster.decoders. */
  static Config decoderConfig(Settings s, int entry) {
    return nodeConfig(s, s.cluster().decoders().get(entry), "decoder");
  }

  /** What a decoder node needs: the run's settings and data (it reads the same videos). */
  public record DecoderInputs(
      Settings settings, DatasetIndex index, ClipSource source, int entry) {}

  /**
   * Runs decoder node {@code entry} of cluster.decoders: it serves the clips of the trainer node it
   * names ({@link DecoderNode}) until that node leaves the cluster; returns how it ended.
   */
  public static DecoderNode.Ended runDecoder(DecoderInputs in) {
    Settings s = in.settings();
    String entry = s.cluster().decoders().get(in.entry());
    int trainer = Settings.Cluster.servedTrainer(entry);
    String trainerEntry = s.cluster().trainers().get(trainer);
    ClipLoader loader = DistillRun.clipLoader(s, in.source());
    CompletableFuture<DecoderNode.Ended> ended = new CompletableFuture<>();
    Behavior<Void> guardian =
        Behaviors.setup(
            ctx -> {
              var decoders = DecoderActor.spawnPool(ctx, s.data().decoders(), loader);
              var node =
                  ctx.spawn(
                      DecoderNode.create(
                          in.index().train(),
                          loader,
                          decoders,
                          2 * s.data().decoders(),
                          in.index().fingerprint(),
                          NodeIdentity.runHash(s),
                          trainer,
                          Settings.Cluster.host(trainerEntry)
                              + ":"
                              + Settings.Cluster.port(trainerEntry),
                          ended,
                          s.cluster().joinTimeoutSeconds()),
                      "decoder-node");
              ctx.watch(node);
              return Behaviors.receive(Void.class)
                  .onSignal(
                      org.apache.pekko.actor.typed.Terminated.class,
                      t -> {
                        ended.complete(new DecoderNode.Ended(1, "the decoder node stopped"));
                        return Behaviors.stopped();
                      })
                  .build();
            });
    return runNode(guardian, decoderConfig(s, in.entry()), s, ended);
  }

  /** The node's {@link RingAllReduce} as the {@link TrainerNode.GradientRing} it sums in. */
  static final class ActorRing implements TrainerNode.GradientRing {
    private final ActorRef<RingAllReduce.Command> ring;
    private final ActorSystem<?> system;

    ActorRing(ActorRef<RingAllReduce.Command> ring, ActorSystem<?> system) {
      this.ring = ring;
      this.system = system;
    }

    @Override
    public void join(long ringId, List<String> members, int rank) {
      ActorRefResolver resolver = ActorRefResolver.get(system);
      List<ActorRef<RingAllReduce.Command>> refs = new ArrayList<>();
      for (String m : members) {
        refs.add(resolver.resolveActorRef(m));
      }
      ring.tell(new RingAllReduce.Join(ringId, refs, rank));
    }

    @Override
    public CompletionStage<float[]> reduce(long step, float[] contribution) {
      return AskPattern.<RingAllReduce.Command, RingAllReduce.Reduced>ask(
              ring,
              r -> new RingAllReduce.Reduce(step, contribution, r),
              Duration.ofMinutes(30),
              system.scheduler())
          .thenApply(RingAllReduce.Reduced::sum);
    }
  }
}

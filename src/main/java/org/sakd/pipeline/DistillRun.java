package org.sakd.pipeline;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.ChildFailed;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.sakd.checkpoint.CheckpointStore;
import org.sakd.checkpoint.Checkpoints;
import org.sakd.config.Settings;
import org.sakd.config.SettingsException;
import org.sakd.data.ClipSource;
import org.sakd.data.DatasetIndex;
import org.sakd.data.Sampling;
import org.sakd.distill.CrossEntropyDistiller;
import org.sakd.distill.Distiller;
import org.sakd.distill.Distillers;
import org.sakd.model.TorchScriptNet;
import org.sakd.monitor.MonitorServer;
import org.sakd.monitor.RunLog;
import org.sakd.sakd.RunMode;
import org.sakd.sakd.Selectors;
import org.sakd.train.ClipLoader;
import org.sakd.train.EpochRecord;
import org.sakd.train.Network;
import org.sakd.train.StudentReplica;

/**
 * Starts the actor system of one distillation run (one JVM): a guardian spawns the decoder pool,
 * the interruption, teacher, scorer and selector stages, the gradient exchange, one trainer per
 * configured device and the epoch coordinator, and watches them all — a stage that fails ends the
 * run with its cause at once (never a hang); the run can then be resumed from the last checkpoint.
 * Decoders are stateless and restart on failure.
 */
public final class DistillRun {
  private DistillRun() {}

  /**
   * What a run needs: settings, data, the trained teacher's parameters, where to write, resume or
   * not.
   */
  public record Inputs(
      Settings settings,
      DatasetIndex index,
      ClipSource source,
      String teacherModel,
      byte[] teacherParameters,
      byte[] studentInit,
      Path runDir,
      boolean resume,
      int stopAfterEpoch) {}

  public record Outcome(
      List<EpochRecord> epochs,
      Map<String, String> skipped,
      int peakDecodedInFlight,
      int decodeBound,
      double wallSeconds) {}

  public static Outcome run(Inputs in) {
    return run(in, in.settings().model().student());
  }

  /**
   * Supervised training of {@code model} (train-teacher, the student alone, pre-training) through
   * the same pipeline, step, batching, devices and checkpoints as distillation: a run without a
   * teacher, whose replicas train with the {@link CrossEntropyDistiller} on all data every epoch
   * (distill.mode = vanilla) on clips drawn anew every epoch when {@code augment}
   * (data.train-sampling = random, the usual augmentation), else on the run's own sampling; test
   * views are cached.
   */
  public static Outcome supervised(
      Settings settings,
      DatasetIndex index,
      ClipSource source,
      String model,
      byte[] init,
      Path runDir,
      boolean resume,
      boolean augment) {
    Settings s =
        augment
            ? settings.with(Map.of("distill.mode", "vanilla", "data.train-sampling", "random"))
            : settings.with(Map.of("distill.mode", "vanilla"));
    return run(
        new Inputs(s, index, source, null, null, init, runDir, resume, Integer.MAX_VALUE), model);
  }

  /** A run training {@code model}; without {@code in.teacherModel()} it is supervised. */
  private static Outcome run(Inputs in, String model) {
    if (in.settings().cluster().enabled() && in.teacherModel() != null) {
      return ClusterRun.coordinate(in, model);
    }
    return attempt(in, model, null, null);
  }

  /**
   * One run of {@code model} in its own actor system, or, given {@code shared} (a cluster
   * coordinator's, which outlives the attempts of a run that loses trainers), as one top-level
   * actor in it that stops, with everything it spawned, when the attempt ends.
   */
  static Outcome attempt(Inputs in, String model, ActorSystem<Void> shared, ClusterStats stats) {
    Settings s = in.settings();
    boolean supervised = in.teacherModel() == null;
    RunLog log = new RunLog(in.runDir());
    log.write("config.conf", s.render());
    ClipLoader loader = clipLoader(s, in.source());
    PipelineGauge gauge = new PipelineGauge();
    CompletableFuture<EpochCoordinator.RunResult> result = new CompletableFuture<>();
    CompletableFuture<Void> stopped = new CompletableFuture<>();
    long t0 = System.nanoTime();
    List<NDManager> deviceManagers = new ArrayList<>();
    // monitor.http: the read-only dashboard, fed by the log's events; stopped when the run ends (a
    // cluster coordinator's serves the cluster's membership too)
    Optional<MonitorServer> dashboard =
        MonitorServer.startIfEnabled(
            s, log, supervised ? "supervised" : s.distill().mode().configName(), shared);
    try (NDManager root =
        NDManager.newBaseManager(
            org.sakd.train.Devices.primary(s, supervised ? "training " + model : "distillation"))) {
      int classes = in.index().classes().size();
      Shape clip = clipShape(in.source(), in.index());
      Network loaded =
          supervised
              ? null
              : network("model.teacher", in.teacherModel(), classes, clip, false, s, root);
      int teacherDim = 1; // unused without a teacher
      if (loaded != null) {
        if (in.teacherParameters() != null) { // a TorchScript teacher brings its own
          loaded.loadParameterBytes(in.teacherParameters());
        }
        String bad =
            // the class names are checked where the checkpoint is read (cli.Jobs); here its head
            Checkpoints.classMismatch(
                org.sakd.proto.CheckpointProto.getDefaultInstance(),
                loaded.classifier().numClasses(),
                in.index().classes());
        if (bad != null) {
          throw new SettingsException(
              "model.teacher-checkpoint", s.model().teacherCheckpoint(), bad);
        }
        teacherDim = loaded.classifier().featureDim();
        org.sakd.model.ModelInfo.checkForward(loaded.block(), loaded.manager(), 1);
      }
      boolean cluster = s.cluster().enabled() && !supervised;
      if (cluster) {
        // checked here so that a bad teacher stops the run before any node waits for it; then
        // freed: each trainer node runs its own, and the coordinator's evaluator needs only its
        // feature width (no scoring or training happens here)
        loaded.close();
        LOG.info("teacher {}: checked here, run by each trainer node", in.teacherModel());
      }
      Network teacher = cluster ? null : loaded;
      List<StudentReplica> replicas = new ArrayList<>();
      // a cluster run's replicas are the trainer nodes; this JVM keeps one to validate with
      for (String device : cluster ? List.of("cpu") : s.train().devices()) {
        NDManager m = NDManager.newBaseManager(device(device));
        deviceManagers.add(m);
        replicas.add(
            replica(
                s,
                model,
                supervised,
                classes,
                teacherDim,
                in.studentInit(),
                clip,
                m,
                replicas.isEmpty()));
      }
      org.sakd.model.ModelInfo.checkForward(
          replicas.get(0).student().block(), replicas.get(0).student().manager(), 1);
      LOG.info(
          "model.compile = {}: {}",
          s.model().compile(),
          compiledLine(teacher, replicas.get(0).student()));
      boolean scores = s.distill().mode() == RunMode.SAKD && !supervised;
      // a cluster's trainer nodes score the pass with scorers of their own
      StudentReplica scorerReplica =
          scores && !cluster
              ? replica(
                  s, model, supervised, classes, teacherDim, in.studentInit(), clip, root, false)
              : null;
      RunSpec spec =
          new RunSpec(
              s,
              in.index().train(),
              in.index().test(),
              log,
              new CheckpointStore(in.runDir().resolve("checkpoints")),
              in.resume(),
              gauge,
              model,
              in.stopAfterEpoch(),
              in.index().classes(),
              supervised);
      Behavior<Object> guardian =
          Behaviors.setup(
              ctx -> {
                DispatcherSelector compute =
                    DispatcherSelector.fromConfig("sakd-compute-dispatcher");
                var decoders = DecoderActor.spawnPool(ctx, s.data().decoders(), loader);
                var interrupter = ctx.spawn(InterrupterActor.create(), "interrupter", compute);
                ActorRef<TeacherActor.Command> teacherRef =
                    teacher == null
                        ? null
                        : ctx.spawn(TeacherActor.create(teacher), "teacher", compute);
                ActorRef<ScorerActor.Command> scorer = null;
                ActorRef<SelectorActor.Command> selector = null;
                if (scorerReplica != null) {
                  scorer = ctx.spawn(ScorerActor.create(scorerReplica), "scorer", compute);
                }
                if (scores) {
                  selector =
                      ctx.spawn(
                          SelectorActor.create(
                              in.index().train().size(),
                              s.sakd().policy(),
                              Selectors.create(
                                  s.sakd().selector(),
                                  s.sakd().gamma(),
                                  s.sakd().partitionThreshold(),
                                  s.sakd().shards())),
                          "selector",
                          // a DPP round takes seconds: off the dispatcher the streams run on
                          DispatcherSelector.blocking());
                }
                var exchange =
                    ctx.spawn(GradientExchange.create(replicas.size()), "gradient-exchange");
                List<ActorRef<TrainerActor.Command>> trainers = new ArrayList<>();
                for (int i = 0; i < replicas.size(); i++) {
                  trainers.add(
                      ctx.spawn(
                          TrainerActor.create(replicas.get(i), i, replicas.size(), exchange),
                          cluster ? "evaluator" : "trainer-" + i,
                          compute));
                }
                for (ActorRef<?> child : List.of(interrupter, exchange)) {
                  ctx.watch(child);
                }
                var local =
                    new Stages(decoders, interrupter, teacherRef, scorer, selector, trainers);
                if (cluster) {
                  // the trainer nodes join first; then the run starts with their proxies
                  ctx.spawn(
                      TrainerRoster.create(
                          NodeIdentity.of(
                              s,
                              in.index(),
                              in.teacherModel(),
                              in.teacherParameters(),
                              replicas.get(0).student(),
                              "cpu",
                              -1),
                          s.cluster().trainers(),
                          s.cluster().joinTimeoutSeconds(),
                          ctx.getSelf()),
                      "roster");
                  log.event("cluster", Map.of("waiting-for", s.cluster().trainers()));
                } else {
                  var coordinator = ctx.spawn(EpochCoordinator.create(spec, local), "coordinator");
                  ctx.watch(coordinator);
                  coordinator.tell(new EpochCoordinator.Start(ctx.getSelf().narrow()));
                }
                if (teacherRef != null) {
                  ctx.watch(teacherRef);
                }
                trainers.forEach(ctx::watch);
                if (scorer != null) {
                  ctx.watch(scorer);
                }
                if (selector != null) {
                  ctx.watch(selector);
                }
                List<ActorRef<Object>> nodes = new ArrayList<>();
                return Behaviors.receive(Object.class)
                    .onMessage(
                        TrainerRoster.Joined.class,
                        j -> {
                          var proxies = ClusterRun.admit(ctx, j.members(), log, stats);
                          j.members().forEach(m -> nodes.add(m.trainer()));
                          var stages =
                              new Stages(
                                  decoders,
                                  interrupter,
                                  teacherRef,
                                  local.scorer(),
                                  local.selector(),
                                  proxies,
                                  trainers.get(0));
                          var coordinator =
                              ctx.spawn(EpochCoordinator.create(spec, stages), "coordinator");
                          ctx.watch(coordinator);
                          coordinator.tell(new EpochCoordinator.Start(ctx.getSelf().narrow()));
                          return Behaviors.same();
                        })
                    .onMessage(
                        TrainerRoster.Missing.class,
                        m -> {
                          log.event("failed", Map.of("stage", "cluster", "error", m.message()));
                          result.complete(
                              new EpochCoordinator.RunResult(
                                  List.of(),
                                  new IllegalArgumentException(
                                      "cluster.trainers: " + m.message())));
                          return Behaviors.stopped();
                        })
                    .onMessage(
                        EpochCoordinator.RunResult.class,
                        r -> {
                          ClusterRun.runOver(nodes, r);
                          result.complete(r);
                          return Behaviors.stopped();
                        })
                    .onSignal(
                        ChildFailed.class,
                        f -> {
                          if (TrainerLostException.in(f.getCause()) == null) {
                            // (after a lost trainer the others wait for the next attempt)
                            ClusterRun.runOver(
                                nodes,
                                new EpochCoordinator.RunResult(
                                    List.of(),
                                    new IllegalStateException(String.valueOf(f.getCause()))));
                          }
                          log.event(
                              "failed",
                              Map.of(
                                  "stage",
                                  f.getRef().path().name(),
                                  "error",
                                  String.valueOf(f.getCause())));
                          result.complete(
                              new EpochCoordinator.RunResult(
                                  List.of(),
                                  new IllegalStateException(
                                      "stage "
                                          + f.getRef().path().name()
                                          + " failed: "
                                          + f.getCause(),
                                      f.getCause())));
                          return Behaviors.stopped();
                        })
                    .onSignal(
                        org.apache.pekko.actor.typed.PostStop.class,
                        x -> {
                          stopped.complete(null);
                          return Behaviors.same();
                        })
                    .build();
              });
      EpochCoordinator.RunResult r;
      if (shared == null) {
        ActorSystem<Object> system = ActorSystem.create(guardian, "sakd", actorConfig(s));
        try {
          r = result.join();
        } finally {
          system.terminate();
          system.getWhenTerminated().toCompletableFuture().join();
        }
      } else {
        shared.systemActorOf(
            guardian,
            "run-" + ATTEMPTS.incrementAndGet(),
            org.apache.pekko.actor.typed.Props.empty());
        try {
          r = result.join();
        } finally {
          stopped.join(); // the guardian's PostStop comes after its children's
        }
      }
      if (r.failure() instanceof IllegalArgumentException bad) {
        throw bad; // bad input (e.g. trainer nodes that never came): exit code 2
      }
      if (r.failure() != null) {
        throw new IllegalStateException(
            "distillation run "
                + in.runDir()
                + " failed: "
                + r.failure().getMessage()
                + " (resume with --resume)",
            r.failure());
      }
      Map<String, String> skipped = loader.failures();
      log.writeSkipped(skipped);
      log.event("finished", finished(r.epochs(), skipped.size()));
      return new Outcome(
          r.epochs(),
          skipped,
          gauge.peak(),
          PipelineGauge.bound(
              2 * s.data().decoders(), s.pipeline().buffer(), s.train().batchSize()),
          (System.nanoTime() - t0) / 1e9);
    } finally {
      // the replicas' networks live in these managers; the actors closed their own scopes when they
      // stopped
      deviceManagers.forEach(NDManager::close);
      dashboard.ifPresent(MonitorServer::close);
    }
  }

  /** The last event of a run that ended well: how many epochs it has and its Top-1s. */
  private static Map<String, Object> finished(List<EpochRecord> epochs, int skipped) {
    Map<String, Object> f = new java.util.LinkedHashMap<>();
    f.put("epochs", epochs.size());
    f.put("last_top1", epochs.isEmpty() ? null : epochs.get(epochs.size() - 1).top1());
    f.put("best_top1", epochs.stream().mapToDouble(EpochRecord::top1).max().orElse(Double.NaN));
    f.put("skipped_clips", skipped);
    return f;
  }

  /** "cpu" or "gpuN" as a DJL device (see {@link org.sakd.train.Devices}). */
  static ai.djl.Device device(String name) {
    return org.sakd.train.Devices.of(name);
  }

  /** Which of the run's networks run as one TorchScript module each, in one line. */
  private static String compiledLine(Network teacher, Network student) {
    List<String> parts = new ArrayList<>();
    for (Network n : teacher == null ? List.of(student) : List.of(teacher, student)) {
      String role = n == student ? "student " : "teacher ";
      parts.add(
          role
              + n.name()
              + (n.block() instanceof org.sakd.model.ScriptedClassifier
                  ? " compiled to TorchScript"
                  : TorchScriptNet.isTorchScript(n.name())
                      ? " (the user's TorchScript module)"
                      : " as DJL blocks"));
    }
    return String.join(", ", parts);
  }

  /**
   * {@link Network#create(String, int, Shape, boolean, NDManager, long)}, where a TorchScript
   * module that cannot serve is a bad setting of {@code key}.
   */
  static Network network(
      String key,
      String model,
      int classes,
      Shape clip,
      boolean trainable,
      Settings s,
      NDManager root) {
    if (!TorchScriptNet.isTorchScript(model)) {
      String compile = s.model().compile();
      try {
        return Network.create(model, classes, trainable, compile, root, s.run().seed());
      } catch (IllegalArgumentException e) {
        throw new SettingsException(
            "model.compile",
            compile,
            "auto or none (auto runs such networks as DJL blocks): " + e.getMessage());
      }
    }
    try {
      return Network.create(model, classes, clip, trainable, root, s.run().seed());
    } catch (IllegalArgumentException e) {
      throw new SettingsException(
          key, model, "a TorchScript module that can serve: " + e.getMessage());
    }
  }

  /**
   * (C, T, H, W) of the clips the data gives: the first training (then test) clip that decodes. A
   * bad file is passed over here and skipped and named in skipped.tsv when the run reaches it (a
   * truncated first clip crashed every run with a stack trace).
   */
  public static Shape clipShape(ClipSource source, DatasetIndex index) {
    org.sakd.data.VideoDecodeException first = null;
    for (List<org.sakd.data.Sample> split : List.of(index.train(), index.test())) {
      for (org.sakd.data.Sample sample : split) {
        try {
          org.sakd.data.Clip c = source.load(sample, false, 0);
          return new Shape(c.channels(), c.frames(), c.height(), c.width());
        } catch (org.sakd.data.VideoDecodeException e) {
          first = first == null ? e : first;
        }
      }
    }
    throw new IllegalArgumentException(
        "no clip of the data decodes"
            + (first == null ? "" : " (first: " + first.getMessage() + ")")
            + "; run scan to see every file");
  }

  /**
   * One student with its distiller; {@code logInit}: say how model.student-init loaded (once per
   * run).
   */
  static StudentReplica replica(
      Settings s,
      String model,
      boolean supervised,
      int classes,
      int teacherDim,
      byte[] init,
      Shape clip,
      NDManager root,
      boolean logInit) {
    Distiller d =
        supervised
            ? new CrossEntropyDistiller()
            : Distillers.create(s.distill().method(), s.distill().settings());
    String key = model.equals(s.model().teacher()) ? "model.teacher" : "model.student";
    Network student = network(key, model, classes, clip, true, s, root);
    if (init != null) {
      String how = student.loadStudentInit(init, s.model().studentInit());
      if (logInit) {
        LOG.info("student-init {}: {}", s.model().studentInit(), how);
      }
    }
    return new StudentReplica(
        student,
        d,
        s.sakd().supervisor(),
        teacherDim,
        s.train().momentum(),
        s.train().weightDecay(),
        s.train().nesterov());
  }

  private static final java.util.concurrent.atomic.AtomicInteger ATTEMPTS =
      new java.util.concurrent.atomic.AtomicInteger();

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(DistillRun.class);

  /**
   * Actor system settings: SLF4J logging, the decoder and compute dispatchers, no JVM exit on
   * shutdown.
   */
  /**
   * The run's clip loader over {@code source}: decoded clips cached up to data.clip-cache-mb, the
   * training clips too when they repeat (fixed sampling).
   */
  static ClipLoader clipLoader(Settings s, ClipSource source) {
    return new ClipLoader(
        source, (long) s.data().clipCacheMb() << 20, s.data().trainSampling() == Sampling.FIXED);
  }

  static Config actorConfig(Settings s) {
    String c =
        String.join(
            "\n",
            "pekko.loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]",
            "pekko.logging-filter = \"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"",
            "pekko.loglevel = WARNING",
            "pekko.stdout-loglevel = OFF",
            "pekko.log-dead-letters = 0",
            "pekko.coordinated-shutdown.exit-jvm = off",
            "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off",
            "sakd-decoder-dispatcher { type = Dispatcher, executor = \"thread-pool-executor\", "
                + "thread-pool-executor.fixed-pool-size = "
                + s.data().decoders()
                + ", throughput = 1 }",
            "sakd-compute-dispatcher { type = PinnedDispatcher, executor = \"thread-pool-executor\" }");
    return ConfigFactory.parseString(c).withFallback(ConfigFactory.load());
  }
}

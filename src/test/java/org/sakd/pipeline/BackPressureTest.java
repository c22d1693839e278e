package org.sakd.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Routers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sakd.checkpoint.CheckpointStore;
import org.sakd.config.Settings;
import org.sakd.monitor.RunLog;
import org.sakd.train.ClipLoader;
import org.sakd.train.Network;

/**
 * With a deliberately slow trainer, decoding waits: decoded clips in flight never exceed the
 * configured bound.
 */
class BackPressureTest {
  static final ActorTestKit KIT = ActorTestKit.create();
  @TempDir static Path dir;

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  /** A trainer that takes 40 ms per step and answers everything else at once. */
  static Behavior<TrainerActor.Command> slowTrainer(AtomicInteger trained) {
    return Behaviors.receive(TrainerActor.Command.class)
        .onMessage(
            TrainerActor.TrainShard.class,
            m -> {
              Thread.sleep(40);
              trained.addAndGet(m.shard().size());
              m.replyTo().tell(new TrainerActor.Trained(m.step(), 0, 1.0, m.shard().size()));
              return Behaviors.same();
            })
        .onMessage(
            TrainerActor.GetState.class,
            m -> {
              m.replyTo().tell(new TrainerActor.State(new byte[0], new byte[0], Map.of(), 0));
              return Behaviors.same();
            })
        .onMessage(
            TrainerActor.Restore.class,
            m -> {
              m.replyTo().tell(m.state());
              return Behaviors.same();
            })
        .onMessage(
            TrainerActor.Evaluate.class,
            m -> {
              m.replyTo()
                  .tell(
                      new TrainerActor.Logits(
                          m.batch().labels(), new float[m.batch().size() * 3], 3));
              return Behaviors.same();
            })
        .onAnyMessage(m -> Behaviors.same())
        .build();
  }

  @Test
  void slowTrainerBoundsDecodedClipsInFlight() {
    TinyRuns tiny = new TinyRuns(dir);
    Settings s =
        tiny.settings(
            dir,
            List.of(
                "run.name=bp",
                "distill.mode=vanilla",
                "train.epochs=1",
                "train.batch-size=2",
                "pipeline.buffer=2",
                "data.decoders=2"));
    PipelineGauge gauge = new PipelineGauge();
    AtomicInteger trained = new AtomicInteger();
    try (NDManager m = NDManager.newBaseManager()) {
      Network teacher = Network.create("r3d-micro", tiny.index.classes().size(), m, 1);
      var decoders = KIT.spawn(Routers.pool(2, DecoderActor.create(new ClipLoader(tiny.source))));
      var stages =
          new Stages(
              decoders,
              KIT.spawn(InterrupterActor.create()),
              KIT.spawn(TeacherActor.create(teacher)),
              null,
              null,
              List.of(KIT.spawn(slowTrainer(trained))));
      var spec =
          new RunSpec(
              s,
              tiny.index.train(),
              tiny.index.test(),
              new RunLog(s.run().runDir()),
              new CheckpointStore(s.run().runDir().resolve("checkpoints")),
              false,
              gauge,
              "r3d-micro",
              Integer.MAX_VALUE,
              tiny.index.classes(),
              false);
      TestProbe<EpochCoordinator.RunResult> probe = KIT.createTestProbe();
      KIT.spawn(EpochCoordinator.create(spec, stages))
          .tell(new EpochCoordinator.Start(probe.getRef()));
      EpochCoordinator.RunResult r = probe.receiveMessage(Duration.ofSeconds(60));
      assertNull(r.failure());
      assertEquals(tiny.index.train().size(), trained.get(), "every decoded clip was trained on");
      int bound = PipelineGauge.bound(2 * 2, 2, 2);
      assertTrue(gauge.peak() <= bound, "peak " + gauge.peak() + " > bound " + bound);
      assertTrue(gauge.peak() > 0);
      assertEquals(0, gauge.inFlight());
    }
  }
}

package org.sakd.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.sakd.data.Clip;
import org.sakd.data.Sample;
import org.sakd.distill.Distillers;
import org.sakd.distill.Supervisor;
import org.sakd.train.Network;
import org.sakd.train.StudentReplica;

/** Two replicas on half-batches, all-reducing by messages, equal one trainer on the full batch. */
class TrainerReplicasTest {
  static final ActorTestKit KIT = ActorTestKit.create();
  static final int C = 3, T = 4, H = 8, W = 8, K = 5, B = 8, STEPS = 4;

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  private static StudentReplica replica(NDManager m, byte[] init) {
    Engine.getInstance().setRandomSeed(3);
    Network net = Network.of(new LinearNet(new Shape(C, T, H, W), K), m);
    if (init != null) {
      net.loadParameterBytes(init);
    }
    return new StudentReplica(
        net, Distillers.create("kd", null), Supervisor.GT_AND_TEACHER, 16, 0.9, 5e-4, false);
  }

  private static float[] flatParams(StudentReplica r) {
    List<Float> out = new ArrayList<>();
    for (var p : r.student().block().getParameters()) {
      for (float v : p.getValue().getArray().toFloatArray()) {
        out.add(v);
      }
    }
    float[] a = new float[out.size()];
    for (int i = 0; i < a.length; i++) {
      a[i] = out.get(i);
    }
    return a;
  }

  @Test
  void twoReplicasOnHalfBatchesMatchOneTrainerOnTheFullBatch() {
    Random rng = new Random(1);
    try (NDManager m = NDManager.newBaseManager()) {
      StudentReplica single = replica(m, null);
      byte[] init = single.student().parameterBytes();
      StudentReplica r0 = replica(m, init);
      StudentReplica r1 = replica(m, init);
      var exchange = KIT.spawn(GradientExchange.create(2));
      ActorRef<TrainerActor.Command> one = KIT.spawn(TrainerActor.create(single, 0, 1, exchange));
      ActorRef<TrainerActor.Command> a = KIT.spawn(TrainerActor.create(r0, 0, 2, exchange));
      ActorRef<TrainerActor.Command> b = KIT.spawn(TrainerActor.create(r1, 1, 2, exchange));
      TestProbe<TrainerActor.Trained> probe = KIT.createTestProbe();
      for (long step = 0; step < STEPS; step++) {
        List<Sample> samples = new ArrayList<>();
        List<Clip> clips = new ArrayList<>();
        for (int i = 0; i < B; i++) {
          float[] x = new float[C * T * H * W];
          for (int j = 0; j < x.length; j++) {
            x[j] = (float) rng.nextGaussian();
          }
          samples.add(new Sample(i, "s" + i, null, rng.nextInt(K)));
          clips.add(new Clip(x, C, T, H, W));
        }
        float[] logits = new float[B * K];
        float[] feats = new float[B * 16];
        for (int j = 0; j < logits.length; j++) {
          logits[j] = (float) rng.nextGaussian() * 3;
        }
        for (int j = 0; j < feats.length; j++) {
          feats[j] = (float) rng.nextGaussian();
        }
        int[] ids = samples.stream().mapToInt(Sample::index).toArray();
        TeacherOutputs t = new TeacherOutputs(ids, logits, K, feats, 16);
        float[] alpha = new float[B];
        for (int i = 0; i < B; i++) {
          alpha[i] = rng.nextFloat();
        }
        ClipBatch batch = new ClipBatch(samples, clips);
        one.tell(new TrainerActor.TrainShard(step, batch, t, alpha, 0.1, probe.getRef()));
        probe.receiveMessage();
        a.tell(
            new TrainerActor.TrainShard(
                step,
                batch.slice(0, 4),
                t.slice(0, 4),
                java.util.Arrays.copyOfRange(alpha, 0, 4),
                0.1,
                probe.getRef()));
        b.tell(
            new TrainerActor.TrainShard(
                step,
                batch.slice(4, 8),
                t.slice(4, 8),
                java.util.Arrays.copyOfRange(alpha, 4, 8),
                0.1,
                probe.getRef()));
        probe.receiveMessage();
        probe.receiveMessage();
      }
      TestProbe<TrainerActor.State> states = KIT.createTestProbe();
      one.tell(new TrainerActor.GetState(states.getRef()));
      states.receiveMessage();
      a.tell(new TrainerActor.GetState(states.getRef()));
      states.receiveMessage();
      b.tell(new TrainerActor.GetState(states.getRef()));
      states.receiveMessage();
      float[] p = flatParams(single);
      float[] q0 = flatParams(r0);
      float[] q1 = flatParams(r1);
      float[] start = null;
      double moved = 0;
      double maxDiff = 0;
      for (int i = 0; i < p.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(p[i] - q0[i]));
        assertEquals(q0[i], q1[i], 0f, "replicas must be identical");
      }
      try (NDManager m2 = NDManager.newBaseManager()) {
        Engine.getInstance().setRandomSeed(3);
        StudentReplica fresh = replica(m2, init);
        start = flatParams(fresh);
        fresh.close();
      }
      for (int i = 0; i < p.length; i++) {
        moved = Math.max(moved, Math.abs(p[i] - start[i]));
      }
      assertTrue(moved > 1e-3, "training moved the parameters (" + moved + ")");
      assertTrue(maxDiff < 1e-5, "max |single − replica| = " + maxDiff);
    }
  }
}

package org.sakd.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
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

/**
 * The scorer scores with the student it was last given (a stale parameter cache once made it score
 * the first one).
 */
class ScorerActorTest {
  static final ActorTestKit KIT = ActorTestKit.create();
  static final NDManager ROOT = NDManager.newBaseManager();
  static final int C = 3, T = 2, H = 4, W = 4, K = 5, D = 16, N = 6;

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
    ROOT.close();
  }

  private static Network network(int seed) {
    Engine.getInstance().setRandomSeed(seed);
    return Network.of(new LinearNet(new Shape(C, T, H, W), K), ROOT);
  }

  private static StudentReplica replica(int seed) {
    return new StudentReplica(
        network(seed),
        Distillers.create("kd", null),
        Supervisor.GT_AND_TEACHER,
        D,
        0.9,
        5e-4,
        false);
  }

  private static TrainerActor.State state(int seed) {
    try (Network n = network(seed)) {
      return new TrainerActor.State(n.parameterBytes(), new byte[0], Map.of(), n.checksum());
    }
  }

  private static ClipBatch batch() {
    Random rng = new Random(12);
    List<Sample> samples = new ArrayList<>();
    List<Clip> clips = new ArrayList<>();
    for (int i = 0; i < N; i++) {
      float[] x = new float[C * T * H * W];
      for (int j = 0; j < x.length; j++) {
        x[j] = (float) rng.nextGaussian();
      }
      samples.add(new Sample(N - i + 4, "s" + i, null, rng.nextInt(K)));
      clips.add(new Clip(x, C, T, H, W));
    }
    return new ClipBatch(samples, clips);
  }

  private static TeacherOutputs teacher(ClipBatch b) {
    Random rng = new Random(13);
    float[] logits = new float[N * K];
    float[] feats = new float[N * D];
    for (int j = 0; j < logits.length; j++) {
      logits[j] = (float) rng.nextGaussian() * 3;
    }
    for (int j = 0; j < feats.length; j++) {
      feats[j] = (float) rng.nextGaussian();
    }
    return new TeacherOutputs(b.ids(), logits, K, feats, D);
  }

  private static double load(ActorRef<ScorerActor.Command> scorer, TrainerActor.State s) {
    TestProbe<ScorerActor.Loaded> probe = KIT.createTestProbe();
    scorer.tell(new ScorerActor.Load(s, 0, 4, probe.getRef()));
    return probe.receiveMessage().checksum();
  }

  private static ScorerActor.Scores score(
      ActorRef<ScorerActor.Command> scorer, ClipBatch b, TeacherOutputs t) {
    TestProbe<ScorerActor.Scores> probe = KIT.createTestProbe();
    scorer.tell(new ScorerActor.Score(b, t, probe.getRef()));
    return probe.receiveMessage();
  }

  @Test
  void scoresFollowTheLastLoadedStudent() {
    ClipBatch b = batch();
    TeacherOutputs t = teacher(b);
    TrainerActor.State a = state(21);
    TrainerActor.State other = state(22);
    ActorRef<ScorerActor.Command> scorer = KIT.spawn(ScorerActor.create(replica(20)));

    assertEquals(a.checksum(), load(scorer, a), 1e-4);
    ScorerActor.Scores sa = score(scorer, b, t);
    assertArrayEquals(b.ids(), sa.ids(), "ids kept in order");
    assertEquals(N, sa.kd().length);
    for (double v : sa.kd()) {
      assertTrue(Double.isFinite(v) && v >= 0, "a KD term is a finite KL divergence, got " + v);
    }
    assertArrayEquals(
        t.features(), sa.features(), 0f, "the teacher's features travel with the scores");
    assertEquals(D, sa.featureDim());

    assertEquals(other.checksum(), load(scorer, other), 1e-4);
    ScorerActor.Scores sb = score(scorer, b, t);
    assertArrayEquals(b.ids(), sb.ids());
    assertFalse(
        Arrays.equals(sa.kd(), sb.kd()), "scores after loading another student must change");

    // The reloaded student scores exactly as a scorer that started from it.
    ActorRef<ScorerActor.Command> direct = KIT.spawn(ScorerActor.create(replica(30)));
    load(direct, other);
    assertArrayEquals(sb.kd(), score(direct, b, t).kd(), 1e-5);

    // And loading A again brings A's scores back.
    load(scorer, a);
    assertArrayEquals(sa.kd(), score(scorer, b, t).kd(), 1e-5);
    KIT.stop(scorer);
    KIT.stop(direct);
  }

  @Test
  void anEmptyBatchGivesNoScores() {
    ActorRef<ScorerActor.Command> scorer = KIT.spawn(ScorerActor.create(replica(40)));
    load(scorer, state(41));
    ClipBatch empty = new ClipBatch(List.of(), List.of());
    ScorerActor.Scores s =
        score(scorer, empty, new TeacherOutputs(new int[0], new float[0], K, new float[0], D));
    assertEquals(0, s.ids().length);
    assertEquals(0, s.kd().length);
    KIT.stop(scorer);
  }
}

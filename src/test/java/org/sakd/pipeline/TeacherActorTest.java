package org.sakd.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.BehaviorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestInbox;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.sakd.data.Clip;
import org.sakd.data.Sample;
import org.sakd.train.Network;

/**
 * The frozen teacher: cached outputs for clean clips, fresh ones for interrupted clips, and its
 * head on request.
 */
class TeacherActorTest {
  static final ActorTestKit KIT = ActorTestKit.create();
  static final NDManager ROOT = NDManager.newBaseManager();
  static final int C = 3, T = 2, H = 4, W = 4, K = 5, D = 16;

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
    ROOT.close();
  }

  private static Network network(int seed) {
    Engine.getInstance().setRandomSeed(seed);
    return Network.of(new LinearNet(new Shape(C, T, H, W), K), ROOT);
  }

  private static ClipBatch batch(int n, long seed) {
    Random rng = new Random(seed);
    List<Sample> samples = new ArrayList<>();
    List<Clip> clips = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] x = new float[C * T * H * W];
      for (int j = 0; j < x.length; j++) {
        x[j] = (float) rng.nextGaussian();
      }
      samples.add(new Sample(2 * i + 1, "s" + i, null, i % K));
      clips.add(new Clip(x, C, T, H, W));
    }
    return new ClipBatch(samples, clips);
  }

  private static TeacherOutputs infer(
      ActorRef<TeacherActor.Command> teacher, ClipBatch b, boolean cacheable) {
    TestProbe<TeacherOutputs> probe = KIT.createTestProbe();
    teacher.tell(new TeacherActor.Infer(b, cacheable, probe.getRef()));
    return probe.receiveMessage();
  }

  @Test
  void cachedOutputsSurviveAParameterChangeWhileUncachedOnesFollowIt() {
    Network net = network(1);
    byte[] other;
    try (Network o = network(2)) {
      other = o.parameterBytes();
    }
    ActorRef<TeacherActor.Command> teacher = KIT.spawn(TeacherActor.create(net));
    ClipBatch b = batch(4, 3);

    TeacherOutputs first = infer(teacher, b, true);
    assertArrayEquals(b.ids(), first.ids());
    assertEquals(K, first.classes());
    assertEquals(D, first.featureDim());
    assertEquals(4 * K, first.logits().length);
    assertEquals(4 * D, first.features().length);
    TeacherOutputs again = infer(teacher, b, true);
    assertArrayEquals(first.logits(), again.logits(), 0f);
    assertArrayEquals(first.features(), again.features(), 0f);
    TeacherOutputs uncachedBefore = infer(teacher, b, false);
    assertArrayEquals(first.logits(), uncachedBefore.logits(), 1e-6f, "same network, same outputs");

    // Swap the parameters under the actor (between messages): only a real forward can see the
    // change.
    net.loadParameterBytes(other);
    TeacherOutputs cached = infer(teacher, b, true);
    assertArrayEquals(
        first.logits(), cached.logits(), 0f, "a cacheable request is answered from the cache");
    assertArrayEquals(first.features(), cached.features(), 0f);
    TeacherOutputs fresh = infer(teacher, b, false);
    assertFalse(
        Arrays.equals(first.logits(), fresh.logits()),
        "a non-cacheable request runs the (changed) network");

    // A batch mixing cached and new samples: cached rows from the cache, new rows from the changed
    // network,
    // each in its own position.
    ClipBatch other4 = batch(6, 3); // the same first four clips and ids, plus two new ones
    TeacherOutputs mixed = infer(teacher, other4, true);
    assertArrayEquals(
        Arrays.copyOf(first.logits(), 4 * K), Arrays.copyOf(mixed.logits(), 4 * K), 0f);
    TeacherOutputs freshAll = infer(teacher, other4, false);
    assertArrayEquals(
        Arrays.copyOfRange(freshAll.logits(), 4 * K, 6 * K),
        Arrays.copyOfRange(mixed.logits(), 4 * K, 6 * K),
        1e-6f);
    KIT.stop(teacher);
  }

  @Test
  void theSecondCacheableInferenceRunsNoForward() {
    BehaviorTestKit<TeacherActor.Command> kit =
        BehaviorTestKit.create(TeacherActor.create(network(4)));
    TeacherActor actor = (TeacherActor) kit.currentBehavior();
    TestInbox<TeacherOutputs> inbox = TestInbox.create();
    ClipBatch b = batch(3, 8);
    kit.run(new TeacherActor.Infer(b, true, inbox.getRef()));
    TeacherOutputs first = inbox.receiveMessage();
    assertEquals(3, actor.forwards());
    kit.run(new TeacherActor.Infer(b, true, inbox.getRef()));
    TeacherOutputs second = inbox.receiveMessage();
    assertEquals(3, actor.forwards(), "the cached batch does not run the network again");
    assertArrayEquals(first.logits(), second.logits(), 0f);
    assertArrayEquals(first.features(), second.features(), 0f);
    kit.run(new TeacherActor.Infer(b, false, inbox.getRef()));
    inbox.receiveMessage();
    assertEquals(6, actor.forwards(), "interrupted (non-cacheable) clips always run the network");
    kit.run(new TeacherActor.Infer(batch(5, 8), true, inbox.getRef()));
    inbox.receiveMessage();
    assertEquals(8, actor.forwards(), "only the two uncached samples run");
  }

  @Test
  void getHeadReturnsTheHeadsWeightsAndBiases() {
    Network net = network(6);
    float[] w = null;
    float[] bias = null;
    for (var p : net.classifier().head().getParameters()) {
      if (p.getKey().equals("weight")) {
        w = p.getValue().getArray().toFloatArray();
        assertArrayEquals(new long[] {K, D}, p.getValue().getArray().getShape().getShape());
      } else if (p.getKey().equals("bias")) {
        bias = p.getValue().getArray().toFloatArray();
      }
    }
    assertNotNull(w);
    assertNotNull(bias);
    ActorRef<TeacherActor.Command> teacher = KIT.spawn(TeacherActor.create(net));
    TestProbe<TeacherActor.Head> probe = KIT.createTestProbe();
    teacher.tell(new TeacherActor.GetHead(probe.getRef()));
    TeacherActor.Head head = probe.receiveMessage();
    assertEquals(K, head.classes());
    assertEquals(D, head.featureDim());
    assertEquals(K * D, head.weight().length);
    assertEquals(K, head.bias().length);
    assertArrayEquals(w, head.weight(), 0f);
    assertArrayEquals(bias, head.bias(), 0f);
    KIT.stop(teacher);
  }
}

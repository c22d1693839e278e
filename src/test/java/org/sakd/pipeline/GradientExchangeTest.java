package org.sakd.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class GradientExchangeTest {
  static final ActorTestKit KIT = ActorTestKit.create();

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  @Test
  void averagesBySampleCountAndAnswersEveryReplica() {
    var exchange = KIT.spawn(GradientExchange.create(2));
    TestProbe<GradientExchange.Reduced> a = KIT.createTestProbe();
    TestProbe<GradientExchange.Reduced> b = KIT.createTestProbe();
    exchange.tell(new GradientExchange.Contribute(7, 1, new float[] {4, 8}, 1, b.getRef()));
    a.expectNoMessage(java.time.Duration.ofMillis(50));
    exchange.tell(new GradientExchange.Contribute(7, 0, new float[] {1, 2}, 3, a.getRef()));
    GradientExchange.Reduced ra = a.receiveMessage();
    GradientExchange.Reduced rb = b.receiveMessage();
    assertEquals(7, ra.step());
    // (3·[1,2] + 1·[4,8]) / 4
    assertArrayEquals(new float[] {1.75f, 3.5f}, ra.gradient(), 1e-6f);
    assertArrayEquals(ra.gradient(), rb.gradient());
  }

  @Test
  void stepsAreKeptApart() {
    var exchange = KIT.spawn(GradientExchange.create(2));
    TestProbe<GradientExchange.Reduced> p = KIT.createTestProbe();
    exchange.tell(new GradientExchange.Contribute(1, 0, new float[] {1}, 1, p.getRef()));
    exchange.tell(new GradientExchange.Contribute(2, 0, new float[] {5}, 1, p.getRef()));
    exchange.tell(new GradientExchange.Contribute(2, 1, new float[] {7}, 1, p.getRef()));
    assertEquals(6f, p.receiveMessage().gradient()[0], 1e-6f);
    assertEquals(6f, p.receiveMessage().gradient()[0], 1e-6f);
    exchange.tell(new GradientExchange.Contribute(1, 1, new float[] {3}, 1, p.getRef()));
    assertEquals(2f, p.receiveMessage().gradient()[0], 1e-6f);
  }

  @Test
  void theMeanHasTheBitsOfTheClusterRing() {
    // three replicas with gradients over wide exponents, so the addition order shows in the bits
    java.util.Random rnd = new java.util.Random(11);
    int n = 1000;
    int[] samples = {2, 3, 1};
    float[][] grads = new float[3][n];
    for (float[] g : grads) {
      for (int i = 0; i < n; i++) {
        g[i] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(7) - 3));
      }
    }
    var exchange = KIT.spawn(GradientExchange.create(3));
    TestProbe<GradientExchange.Reduced> p = KIT.createTestProbe();
    for (int r = 0; r < 3; r++) {
      exchange.tell(new GradientExchange.Contribute(0, r, grads[r], samples[r], p.getRef()));
    }
    float[][] weighted = new float[3][];
    for (int r = 0; r < 3; r++) {
      weighted[r] = org.sakd.train.GradientAverage.weigh(grads[r], samples[r], 6);
    }
    float[] ring = org.sakd.cluster.RingAllReduce.reference(weighted);
    float[] got = p.receiveMessage().gradient();
    for (int i = 0; i < n; i++) {
      assertEquals(Float.floatToIntBits(ring[i]), Float.floatToIntBits(got[i]), "float " + i);
    }
  }
}

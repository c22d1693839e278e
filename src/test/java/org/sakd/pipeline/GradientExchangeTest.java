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
}

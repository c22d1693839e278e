package org.sakd.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.sakd.proto.ChunkCredit;
import org.sakd.proto.GradientChunk;
import org.sakd.proto.RingPhase;

/** The back-pressure bound: a member sends at most its window of chunks without credits. */
class RingFlowControlTest {
  static final ActorTestKit KIT = ActorTestKit.create();

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  private static ChunkCredit credit(long ringId) {
    return ChunkCredit.newBuilder().setRingId(ringId).setCredits(1).setFromRank(1).build();
  }

  @Test
  void aMemberKeepsAtMostItsWindowOfChunksWithoutCredit() {
    ActorRef<RingAllReduce.Command> ring = KIT.spawn(RingAllReduce.create(10, 3));
    // rank 1 is a probe that never credits unless told
    TestProbe<Object> right = KIT.createTestProbe();
    TestProbe<RingAllReduce.Reduced> reply = KIT.createTestProbe();
    ring.tell(new RingAllReduce.Join(1, List.of(ring, right.getRef().narrow()), 0));
    // 100 floats, 2 members: rank 0 starts segment 0 = [0, 50), 5 chunks of 10
    ring.tell(new RingAllReduce.Reduce(0, new float[100], reply.getRef()));
    for (int k = 0; k < 3; k++) {
      GradientChunk c = right.expectMessageClass(GradientChunk.class);
      assertEquals(RingPhase.RING_PHASE_REDUCE_SCATTER, c.getPhase());
      assertEquals(0, c.getSegment());
      assertEquals(k, c.getChunk());
      assertEquals(5, c.getChunks());
      assertEquals(10L * k, c.getOffset());
      assertEquals(40, c.getPayload().size());
    }
    right.expectNoMessage(Duration.ofMillis(300));
    // a credit of another ring opens nothing; one of this ring lets exactly one more go
    ring.<Object>unsafeUpcast().tell(credit(0));
    right.expectNoMessage(Duration.ofMillis(300));
    ring.<Object>unsafeUpcast().tell(credit(1));
    assertEquals(3, right.expectMessageClass(GradientChunk.class).getChunk());
    right.expectNoMessage(Duration.ofMillis(300));
    reply.expectNoMessage(Duration.ZERO);
  }
}

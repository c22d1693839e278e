package org.sakd.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sakd.proto.GradientChunk;
import org.sakd.proto.RingPhase;
import org.sakd.train.GradientAverage;

/** The ring all-reduce across actor systems on loopback: the reference's bits, chunked, by ring. */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class RingAllReduceTest {
  private static final Duration ASK = Duration.ofSeconds(90);

  private LoopbackCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** One ring actor per node, named {@link RingAllReduce#NAME} (on the large-message lane). */
  private List<ActorRef<RingAllReduce.Command>> spawnRing(int chunkFloats, int window) {
    List<ActorRef<RingAllReduce.Command>> rings = new ArrayList<>();
    for (ActorTestKit k : cluster.nodes) {
      rings.add(k.spawn(RingAllReduce.create(chunkFloats, window), RingAllReduce.NAME));
    }
    return rings;
  }

  /** Tells member i the ring {@code ringId} made of {@code rings}, each ref as node i sees it. */
  private void join(List<ActorRef<RingAllReduce.Command>> rings, long ringId) {
    int r = rings.size();
    for (int i = 0; i < r; i++) {
      List<ActorRef<RingAllReduce.Command>> seen = new ArrayList<>();
      for (int j = 0; j < r; j++) {
        seen.add(cluster.ref(j, rings.get(j), i));
      }
      rings.get(i).tell(new RingAllReduce.Join(ringId, seen, i));
    }
  }

  /** Every member contributes parts[i] to {@code step}; the members' answers in rank order. */
  private List<float[]> reduce(
      List<ActorRef<RingAllReduce.Command>> rings, long step, float[][] parts) throws Exception {
    List<CompletableFuture<RingAllReduce.Reduced>> asks = new ArrayList<>();
    for (int i = 0; i < rings.size(); i++) {
      float[] part = parts[i];
      asks.add(
          AskPattern.<RingAllReduce.Command, RingAllReduce.Reduced>ask(
                  rings.get(i),
                  r -> new RingAllReduce.Reduce(step, part, r),
                  ASK,
                  cluster.system(i).scheduler())
              .toCompletableFuture());
    }
    List<float[]> out = new ArrayList<>();
    for (var a : asks) {
      RingAllReduce.Reduced got = a.get(ASK.toSeconds() + 30, TimeUnit.SECONDS);
      assertEquals(step, got.step());
      out.add(got.sum());
    }
    return out;
  }

  /** Weighted parts as trainers would contribute them: w_i·g_i with w_i = samples_i / total. */
  private static float[][] weightedParts(Random rnd, int members, int n) {
    int[] samples = new int[members];
    int total = 0;
    for (int i = 0; i < members; i++) {
      samples[i] = 1 + rnd.nextInt(5);
      total += samples[i];
    }
    float[][] parts = new float[members][];
    for (int i = 0; i < members; i++) {
      float[] g = new float[n];
      for (int k = 0; k < n; k++) {
        // wide exponents, so the addition order changes the bits
        g[k] = (float) (rnd.nextGaussian() * Math.pow(10, rnd.nextInt(7) - 3));
      }
      parts[i] = GradientAverage.weigh(g, samples[i], total);
    }
    return parts;
  }

  private static void assertBits(float[] expected, float[] actual, String what) {
    assertEquals(expected.length, actual.length, what + ": length");
    for (int k = 0; k < expected.length; k++) {
      if (Float.floatToIntBits(expected[k]) != Float.floatToIntBits(actual[k])) {
        throw new AssertionError(
            what + ": float " + k + " is " + actual[k] + ", the reference " + expected[k]);
      }
    }
  }

  private void checkSteps(
      List<ActorRef<RingAllReduce.Command>> rings, long firstStep, int steps, int n, long seed)
      throws Exception {
    Random rnd = new Random(seed);
    for (long step = firstStep; step < firstStep + steps; step++) {
      float[][] parts = weightedParts(rnd, rings.size(), n);
      float[] expected = RingAllReduce.reference(parts);
      List<float[]> got = reduce(rings, step, parts);
      for (int i = 0; i < got.size(); i++) {
        assertBits(expected, got.get(i), "step " + step + ", member " + i);
      }
    }
  }

  @Test
  void twoMembersMatchTheReferenceBitForBitOverSeveralSteps() throws Exception {
    cluster = LoopbackCluster.start(2, "");
    var rings = spawnRing(RingAllReduce.MAX_CHUNK_FLOATS, RingAllReduce.DEFAULT_WINDOW);
    join(rings, 1);
    checkSteps(rings, 0, 4, 1001, 1);
  }

  @Test
  void threeMembersWithTinyChunksAndWindowOneMatchTheReference() throws Exception {
    cluster = LoopbackCluster.start(3, "");
    // 7 floats a chunk, one in flight: hundreds of chunks and credits per step
    var rings = spawnRing(7, 1);
    join(rings, 1);
    checkSteps(rings, 10, 3, 500, 2);
  }

  @Test
  void gradientsOfSeveralMiBTravelInChunksUnderTheOneMiBFrame() throws Exception {
    // maximum-large-frame-size is 1 MiB (ClusterConfig): Artery drops any bigger message, and a
    // dropped chunk would leave the step unanswered; the asks would time out
    cluster = LoopbackCluster.start(3, "");
    var rings = spawnRing(RingAllReduce.MAX_CHUNK_FLOATS, RingAllReduce.DEFAULT_WINDOW);
    join(rings, 1);
    // 3.3 M floats = 13 MB: 1.1 M floats a segment, 5 chunks each
    checkSteps(rings, 0, 3, 3_300_001, 3);
    assertEquals(
        1 << 20,
        cluster
            .system(0)
            .settings()
            .config()
            .getBytes("pekko.remote.artery.advanced.maximum-large-frame-size"));
  }

  @Test
  void aFullChunkFitsTheFrameWithRoomForTheEnvelope() {
    GradientChunk full =
        GradientChunk.newBuilder()
            .setRingId(Long.MAX_VALUE)
            .setStep(Long.MAX_VALUE)
            .setPhase(RingPhase.RING_PHASE_ALL_GATHER)
            .setSegment(Integer.MAX_VALUE)
            .setChunk(Integer.MAX_VALUE)
            .setChunks(Integer.MAX_VALUE)
            .setSenderRank(Integer.MAX_VALUE)
            .setLength(Long.MAX_VALUE)
            .setOffset(Long.MAX_VALUE)
            .setPayload(ByteString.copyFrom(new byte[RingAllReduce.MAX_CHUNK_FLOATS * 4]))
            .build();
    int room = ClusterConfig.MAX_LARGE_FRAME_BYTES - full.getSerializedSize();
    assertTrue(room >= 900, "only " + room + " bytes left for the envelope");
  }

  @Test
  void membersWithDifferentChunkSizesAgree() throws Exception {
    cluster = LoopbackCluster.start(2, "");
    var rings =
        List.of(
            cluster.nodes.get(0).spawn(RingAllReduce.create(1000, 2), RingAllReduce.NAME),
            cluster.nodes.get(1).spawn(RingAllReduce.create(333, 3), RingAllReduce.NAME));
    join(rings, 5);
    checkSteps(rings, 0, 2, 10_000, 4);
  }

  @Test
  void aSingleMemberRingAnswersWithItsOwnContribution() throws Exception {
    cluster = LoopbackCluster.start(1, "");
    var rings = spawnRing(RingAllReduce.MAX_CHUNK_FLOATS, RingAllReduce.DEFAULT_WINDOW);
    join(rings, 1);
    float[] mine = {1.5f, -2f, 3.25f};
    float[] got = reduce(rings, 0, new float[][] {mine}).get(0);
    assertBits(mine, got, "single member");
  }

  @Test
  void staleRingIdsAndStrayMessagesAreIgnoredAndARebuiltRingWorks() throws Exception {
    cluster = LoopbackCluster.start(2, "");
    var rings = spawnRing(64, 2);
    join(rings, 1);
    checkSteps(rings, 0, 1, 300, 5);
    // the coordinator rebuilds the ring (ring 2), this time through the wire message
    for (int i = 0; i < 2; i++) {
      List<ActorRef<RingAllReduce.Command>> seen =
          List.of(cluster.ref(0, rings.get(0), i), cluster.ref(1, rings.get(1), i));
      RingAllReduce.Join j = new RingAllReduce.Join(2, seen, i);
      ActorRefResolver resolver = ActorRefResolver.get(cluster.system(i));
      rings.get(i).<Object>unsafeUpcast().tell(RingAllReduce.membership(j, resolver));
    }
    // a chunk of ring 1 for step 7 from member 0's node, with values that would spoil the sum
    float[] poison = new float[300];
    java.util.Arrays.fill(poison, 1e30f);
    java.nio.ByteBuffer b =
        java.nio.ByteBuffer.allocate(300 * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    b.asFloatBuffer().put(poison);
    GradientChunk stale =
        GradientChunk.newBuilder()
            .setRingId(1)
            .setStep(7)
            .setPhase(RingPhase.RING_PHASE_ALL_GATHER)
            .setSegment(0)
            .setChunk(0)
            .setChunks(1)
            .setSenderRank(0)
            .setLength(300)
            .setOffset(0)
            .setPayload(ByteString.copyFrom(b.array(), 0, 150 * 4))
            .build();
    cluster.ref(1, rings.get(1), 0).<Object>unsafeUpcast().tell(stale);
    // a message of no ring protocol is logged with its type and dropped
    cluster
        .ref(1, rings.get(1), 0)
        .<Object>unsafeUpcast()
        .tell(org.sakd.proto.BlobChunk.newBuilder().setTransferId("lost").build());
    // a stale Join does not take the ring back either
    rings.get(1).tell(new RingAllReduce.Join(1, List.of(rings.get(1)), 0));
    checkSteps(rings, 7, 2, 300, 6);
  }
}

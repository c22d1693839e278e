package org.sakd.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.sakd.proto.BlobChunk;

@Timeout(value = 3, unit = TimeUnit.MINUTES)
class BlobsTest {
  private LoopbackCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void splitsIntoChunksOfAtMostTheLimitAndReassemblesInAnyOrder() {
    byte[] blob = random(2_500_000, 1);
    List<BlobChunk> chunks = Blobs.split("t1", blob);
    assertEquals(3, chunks.size());
    for (BlobChunk c : chunks) {
      assertTrue(c.getData().size() <= Blobs.MAX_CHUNK_BYTES);
      assertTrue(c.getSerializedSize() < ClusterConfig.MAX_LARGE_FRAME_BYTES - 512);
    }
    Blobs.Assembly a = new Blobs.Assembly(chunks.get(2));
    assertEquals(List.of(0, 1), a.missing());
    assertFalse(a.add(chunks.get(0)));
    assertTrue(a.add(chunks.get(1)));
    assertArrayEquals(blob, a.bytes());
  }

  @Test
  void anEmptyBlobIsOneEmptyChunk() {
    List<BlobChunk> chunks = Blobs.split("empty", new byte[0]);
    assertEquals(1, chunks.size());
    assertArrayEquals(new byte[0], new Blobs.Assembly(chunks.get(0)).bytes());
  }

  @Test
  void missingDuplicateForeignAndCorruptChunksAreNamed() {
    byte[] blob = random(10_000, 2);
    List<BlobChunk> chunks = Blobs.split("t2", blob, 3000);
    assertEquals(4, chunks.size());
    Blobs.Assembly a = new Blobs.Assembly(chunks.get(0));
    var missing = assertThrows(Blobs.BlobException.class, a::bytes);
    assertTrue(
        missing.getMessage().contains("missing 3 of 4 chunks: [1, 2, 3]"), missing.getMessage());
    var twice = assertThrows(Blobs.BlobException.class, () -> a.add(chunks.get(0)));
    assertTrue(twice.getMessage().contains("arrived twice"), twice.getMessage());
    BlobChunk foreign = Blobs.split("other", blob, 3000).get(1);
    assertThrows(Blobs.BlobException.class, () -> a.add(foreign));
    BlobChunk flipped =
        chunks.get(1).toBuilder().setData(ByteString.copyFrom(new byte[3000])).build();
    a.add(flipped);
    a.add(chunks.get(2));
    a.add(chunks.get(3));
    var crc = assertThrows(Blobs.BlobException.class, a::bytes);
    assertTrue(crc.getMessage().contains("CRC-32"), crc.getMessage());
  }

  /** A receiver as another engineer's node would have one: reassembles, hands the bytes on. */
  private static Behavior<Object> receiver(ActorRef<byte[]> done) {
    return Behaviors.setup(
        ctx -> {
          Map<String, Blobs.Assembly> open = new HashMap<>();
          return Behaviors.receive(Object.class)
              .onMessage(
                  BlobChunk.class,
                  c -> {
                    Blobs.Assembly a = open.get(c.getTransferId());
                    if (a == null) {
                      a = new Blobs.Assembly(c);
                      open.put(c.getTransferId(), a);
                    } else {
                      a.add(c);
                    }
                    if (a.isComplete()) {
                      done.tell(open.remove(c.getTransferId()).bytes());
                    }
                    return Behaviors.same();
                  })
              .build();
        });
  }

  @Test
  void aFiveMegabyteBlobCrossesActorSystems() throws Exception {
    cluster = LoopbackCluster.start(2, "");
    TestProbe<byte[]> done = cluster.nodes.get(1).createTestProbe();
    ActorRef<Object> local =
        cluster.nodes.get(1).spawn(receiver(done.getRef()), Blobs.RECEIVER_NAME);
    ActorRef<Object> remote = cluster.ref(1, local, 0);
    byte[] blob = random(5_000_000, 3);
    for (BlobChunk c : Blobs.split("params-1", blob)) {
      remote.tell(c);
    }
    byte[] got = done.receiveMessage(Duration.ofSeconds(60));
    assertArrayEquals(blob, got);
  }
}

package org.sakd.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.stream.StreamRefResolver;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.SinkQueueWithCancel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sakd.cluster.LoopbackCluster;
import org.sakd.config.Settings;
import org.sakd.data.Clip;
import org.sakd.data.ClipSource;
import org.sakd.data.ClipSources;
import org.sakd.data.ClipSpec;
import org.sakd.data.DatasetIndex;
import org.sakd.data.Datasets;
import org.sakd.data.Sample;
import org.sakd.data.SyntheticActions;
import org.sakd.data.SyntheticSpec;
import org.sakd.proto.ClipsOffered;
import org.sakd.proto.DecodeClips;
import org.sakd.proto.DecodedClipPart;
import org.sakd.train.ClipLoader;

/**
 * A decoder node and a trainer node's {@link DecoderLink} in two actor systems of one cluster on
 * loopback: clips decoded on the decoder node (streamed in parts through a SourceRef) equal the
 * clips decoded locally bit for bit, a corrupt video stays an empty clip, and a decoder node that
 * goes away mid-shard leaves exactly its undelivered clips to the trainer's own decoder.
 */
class DecoderNodeTest {
  // the defaults' clip size (3x8x56x56 floats, 294 KiB): over a 256 KiB frame, so three parts
  static final ClipSpec SPEC = ClipSpec.of(8, 2, 64, 56);
  static final Settings SETTINGS = Settings.load(null, List.of());

  @TempDir static Path dir;
  static DatasetIndex index;
  static List<Sample> train;

  private LoopbackCluster cluster;

  @BeforeAll
  static void generate() throws Exception {
    Path root = dir.resolve("data");
    SyntheticActions.generate(root, new SyntheticSpec(2, 2, 1, 12, 48, 32, 25, 5, "avi", 1));
    index = Datasets.open("synthetic", root, SETTINGS.data().options());
    Path corrupt = dir.resolve("corrupt.avi");
    Files.write(corrupt, new byte[] {0, 1, 2, 3, 4, 5, 6, 7});
    train = new ArrayList<>(index.train());
    train.add(new Sample(train.size(), "corrupt.avi", corrupt, 0));
  }

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** Counts the clips it is asked for and takes {@code delayMs} over each. */
  static final class CountingSource implements ClipSource {
    final ClipSource inner = ClipSources.forIndex(index, SPEC);
    final AtomicInteger loads = new AtomicInteger();
    final long delayMs;

    CountingSource(long delayMs) {
      this.delayMs = delayMs;
    }

    @Override
    public Clip load(Sample s, boolean train, long seed) {
      loads.incrementAndGet();
      try {
        Thread.sleep(delayMs);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      return inner.load(s, train, seed);
    }
  }

  /**
   * A decoder node for trainer 0 (node 0) and a trainer node's link to it (node 1), both Up; the
   * link's first shards wait until the receptionist lists the decoder node.
   */
  private ActorRef<DecoderLink.DecodeShard> link(
      CountingSource decoderSide, CountingSource trainerSide) throws InterruptedException {
    cluster = LoopbackCluster.start(2, "");
    ActorTestKit decoder = cluster.nodes.get(0);
    ActorTestKit trainer = cluster.nodes.get(1);
    ClipLoader decoderLoader = new ClipLoader(decoderSide);
    decoder.spawn(
        DecoderNode.create(
            train,
            decoderLoader,
            decoder.spawn(DecoderActor.create(decoderLoader)),
            2,
            index.fingerprint(),
            NodeIdentity.runHash(SETTINGS),
            0,
            cluster.hostPort(1),
            new CompletableFuture<>(),
            60));
    ActorRef<Object> link =
        trainer.spawn(
            DecoderLink.create(
                trainer.spawn(DecoderActor.create(new ClipLoader(trainerSide))),
                0,
                cluster.hostPort(0) + "/0",
                index.fingerprint(),
                NodeIdentity.runHash(SETTINGS),
                60));
    return link.narrow();
  }

  private static DecoderLink.Shard ask(
      ActorTestKit kit, ActorRef<DecoderLink.DecodeShard> link, List<Integer> ids, long seed) {
    TestProbe<DecoderLink.Shard> probe = kit.createTestProbe();
    List<Sample> samples = ids.stream().map(train::get).toList();
    List<Long> seeds = ids.stream().map(i -> seed + i).toList();
    link.tell(new DecoderLink.DecodeShard(samples, seeds, probe.getRef()));
    DecoderLink.Shard s = probe.receiveMessage(Duration.ofSeconds(120));
    assertNull(s.failure());
    return s;
  }

  /** The clips of {@code s} equal what a fresh local loader decodes, float bits and all. */
  private static void assertLocalBits(DecoderLink.Shard s, List<Integer> ids, long seed) {
    ClipLoader reference = new ClipLoader(ClipSources.forIndex(index, SPEC));
    assertEquals(ids.size(), s.clips().size());
    for (int i = 0; i < ids.size(); i++) {
      Sample smp = train.get(ids.get(i));
      DecoderActor.Decoded d = s.clips().get(i);
      assertEquals(smp, d.sample(), "in the shard's order");
      Optional<Clip> local = reference.load(smp, true, seed + ids.get(i));
      assertEquals(local.isPresent(), d.clip().isPresent(), smp.id());
      if (local.isPresent()) {
        Clip a = local.get();
        Clip b = d.clip().get();
        assertArrayEquals(a.shape(), b.shape());
        int[] bitsA = new int[a.data().length];
        int[] bitsB = new int[b.data().length];
        for (int j = 0; j < bitsA.length; j++) {
          bitsA[j] = Float.floatToRawIntBits(a.data()[j]);
          bitsB[j] = Float.floatToRawIntBits(b.data()[j]);
        }
        assertArrayEquals(bitsA, bitsB, smp.id() + " bit for bit");
      }
    }
  }

  @Test
  void aClipDecodedOnTheDecoderNodeEqualsTheLocallyDecodedOneBitForBit() throws Exception {
    CountingSource remote = new CountingSource(0);
    CountingSource local = new CountingSource(0);
    ActorRef<DecoderLink.DecodeShard> link = link(remote, local);
    List<Integer> ids = List.of(1, 0, train.size() - 1, 0);
    DecoderLink.Shard s = ask(cluster.nodes.get(1), link, ids, 77);
    assertLocalBits(s, ids, 77);
    assertTrue(s.clips().get(2).clip().isEmpty(), "the corrupt video is an empty clip");
    assertEquals(4, remote.loads.get(), "every clip decoded on the decoder node");
    assertEquals(0, local.loads.get(), "none on the trainer");
  }

  @Test
  void aDecoderNodeLostMidShardLeavesExactlyItsUndeliveredClipsToTheTrainer() throws Exception {
    CountingSource remote = new CountingSource(300);
    CountingSource local = new CountingSource(0);
    ActorRef<DecoderLink.DecodeShard> link = link(remote, local);
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      ids.add(i % index.train().size());
    }
    TestProbe<DecoderLink.Shard> probe = cluster.nodes.get(1).createTestProbe();
    link.tell(
        new DecoderLink.DecodeShard(
            ids.stream().map(train::get).toList(),
            ids.stream().map(i -> 5L + i).toList(),
            probe.getRef()));
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (remote.loads.get() < 3 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    cluster.nodes.get(0).system().terminate();
    DecoderLink.Shard s = probe.receiveMessage(Duration.ofSeconds(120));
    assertNull(s.failure());
    assertLocalBits(s, ids, 5);
    int delivered = 12 - local.loads.get();
    assertTrue(
        local.loads.get() > 0 && delivered >= 2,
        "some clips came from the decoder node and the rest from the trainer: local "
            + local.loads.get());
    assertTrue(remote.loads.get() >= delivered, "no clip counted twice");
    // later shards: the trainer decodes them itself
    DecoderLink.Shard after = ask(cluster.nodes.get(1), link, List.of(0, 1), 9);
    assertLocalBits(after, List.of(0, 1), 9);
  }

  @Test
  void aDecoderNodeThatNeverComesLeavesTheShardsToTheTrainerAfterTheWait() throws Exception {
    cluster = LoopbackCluster.start(1, "");
    CountingSource local = new CountingSource(0);
    ActorTestKit trainer = cluster.nodes.get(0);
    ActorRef<Object> link =
        trainer.spawn(
            DecoderLink.create(
                trainer.spawn(DecoderActor.create(new ClipLoader(local))),
                0,
                "127.0.0.1:1/0",
                index.fingerprint(),
                NodeIdentity.runHash(SETTINGS),
                2));
    long start = System.nanoTime();
    DecoderLink.Shard s = ask(trainer, link.narrow(), List.of(0, 1), 3);
    assertTrue(System.nanoTime() - start >= Duration.ofSeconds(2).toNanos(), "it waited");
    assertLocalBits(s, List.of(0, 1), 3);
    assertEquals(2, local.loads.get());
  }

  @Test
  void theDecoderNodeDecodesOnlyAFewClipsAheadOfWhatItsTrainerTakes() throws Exception {
    CountingSource remote = new CountingSource(0);
    link(remote, new CountingSource(0));
    ActorTestKit trainer = cluster.nodes.get(1);
    TestProbe<Object> replies = trainer.createTestProbe();
    ActorRef<Object> decoderNode = awaitDecoderNode(trainer);
    int clips = 60;
    DecodeClips.Builder ask =
        DecodeClips.newBuilder()
            .setRequest(1)
            .setReplyTo(
                ActorRefResolver.get(trainer.system()).toSerializationFormat(replies.getRef()))
            .setDataIndex(index.fingerprint())
            .setRun(NodeIdentity.runHash(SETTINGS));
    for (int i = 0; i < clips; i++) {
      ask.addSamples(i % index.train().size()).addSeeds(i);
    }
    decoderNode.tell(ask.build());
    ClipsOffered offer = replies.expectMessageClass(ClipsOffered.class, Duration.ofSeconds(30));
    SourceRef<DecodedClipPart> ref =
        StreamRefResolver.get(trainer.system()).resolveSourceRef(offer.getSourceRef());
    // a consumer that takes nothing yet: only the stream ref's buffer (32 parts) asks for more
    SinkQueueWithCancel<DecodedClipPart> queue =
        ref.getSource().runWith(Sink.queue(), Materializer.createMaterializer(trainer.system()));
    Thread.sleep(3000);
    int ahead = remote.loads.get();
    System.out.printf(
        "decoded ahead of a consumer that took nothing: %d of %d clips%n", ahead, clips);
    assertTrue(
        ahead > 0 && ahead <= 32 / 3 + 6,
        ahead + " of " + clips + " clips decoded for a consumer that took none");
    ClipParts.Assembly all = new ClipParts.Assembly(clips);
    for (int part = 0; part < clips * 3; part++) {
      all.add(queue.pull().toCompletableFuture().get(60, TimeUnit.SECONDS).get());
    }
    assertTrue(queue.pull().toCompletableFuture().get(60, TimeUnit.SECONDS).isEmpty(), "the end");
    assertEquals(clips, remote.loads.get(), "each clip decoded once");
    assertTrue(all.clip(clips - 1).isPresent());
  }

  private static ActorRef<Object> awaitDecoderNode(ActorTestKit trainer) {
    TestProbe<Receptionist.Listing> listing = trainer.createTestProbe();
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      trainer.system().receptionist().tell(Receptionist.find(DecoderNode.key(0), listing.getRef()));
      var found = listing.receiveMessage().getServiceInstances(DecoderNode.key(0));
      if (!found.isEmpty()) {
        return found.iterator().next();
      }
    }
    throw new AssertionError("no decoder node listed within 60 s");
  }

  @Test
  void partsStayUnderTheOrdinaryFrameAndReassembleAnyOrder() {
    Clip c = ClipSources.forIndex(index, SPEC).load(train.get(0), true, 1);
    List<DecodedClipPart> parts = ClipParts.split(4, Optional.of(c), null);
    assertEquals(3, parts.size());
    for (DecodedClipPart p : parts) {
      assertTrue(p.getSerializedSize() < 200 * 1024, "part of " + p.getSerializedSize() + " bytes");
    }
    ClipParts.Assembly a = new ClipParts.Assembly(5);
    a.add(parts.get(2));
    a.add(parts.get(0));
    assertNull(a.clip(4), "not whole yet");
    a.add(parts.get(1));
    assertArrayEquals(c.data(), a.clip(4).get().data());
    a.add(ClipParts.split(1, Optional.empty(), "bad header").get(0));
    assertTrue(a.clip(1).isEmpty());
    assertEquals("bad header", a.failure(1));
  }
}

package org.sakd.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sakd.config.Settings;
import org.sakd.data.Clip;
import org.sakd.data.ClipSources;
import org.sakd.data.ClipSpec;
import org.sakd.data.DatasetIndex;
import org.sakd.data.Datasets;
import org.sakd.data.Sample;
import org.sakd.data.SyntheticActions;
import org.sakd.data.SyntheticSpec;
import org.sakd.train.ClipLoader;

/**
 * The decoder stage: real clips come back in the ClipSpec's shape; bad files are answered empty and
 * named.
 */
class DecoderActorTest {
  static final ActorTestKit KIT = ActorTestKit.create();
  static final ClipSpec SPEC = ClipSpec.of(4, 2, 32, 32);

  @TempDir static Path dir;
  static DatasetIndex index;

  @BeforeAll
  static void generate() {
    Path root = dir.resolve("data");
    SyntheticActions.generate(root, new SyntheticSpec(2, 2, 1, 12, 48, 32, 25, 5, "avi", 1));
    index = Datasets.open("synthetic", root, Settings.load(null, List.of()).data().options());
  }

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  private static ClipLoader loader() {
    return new ClipLoader(ClipSources.forIndex(index, SPEC));
  }

  @Test
  void decodesARealClipInTheSpecShape() {
    ActorRef<DecoderActor.Command> decoder = KIT.spawn(DecoderActor.create(loader()));
    TestProbe<DecoderActor.Decoded> probe = KIT.createTestProbe();
    Sample s = index.train().get(0);
    decoder.tell(new DecoderActor.Decode(s, true, 11, probe.getRef()));
    DecoderActor.Decoded d = probe.receiveMessage();
    assertEquals(s, d.sample());
    assertTrue(d.clip().isPresent(), "a generated clip decodes");
    Clip c = d.clip().get();
    assertArrayEquals(new long[] {3, SPEC.frames(), SPEC.crop(), SPEC.crop()}, c.shape());
    float min = Float.MAX_VALUE, max = -Float.MAX_VALUE;
    for (float v : c.data()) {
      assertTrue(Float.isFinite(v));
      min = Math.min(min, v);
      max = Math.max(max, v);
    }
    assertTrue(max > min, "decoded pixels vary");
    // Same sample and seed: the same clip (fixed sampling relies on it).
    decoder.tell(new DecoderActor.Decode(s, true, 11, probe.getRef()));
    assertArrayEquals(c.data(), probe.receiveMessage().clip().orElseThrow().data());
  }

  @Test
  void corruptAndMissingFilesAreAnsweredEmptyRecordedAndTheActorGoesOn() throws IOException {
    ClipLoader loader = loader();
    ActorRef<DecoderActor.Command> decoder = KIT.spawn(DecoderActor.create(loader));
    TestProbe<DecoderActor.Decoded> probe = KIT.createTestProbe();

    Path corrupt = dir.resolve("corrupt.avi");
    byte[] junk = new byte[4096];
    new Random(3).nextBytes(junk);
    Files.write(corrupt, junk);
    Sample bad = new Sample(100, "corrupt.avi", corrupt, 0);
    Sample missing = new Sample(101, "missing.avi", dir.resolve("no-such-file.avi"), 1);

    decoder.tell(new DecoderActor.Decode(bad, false, 1, probe.getRef()));
    DecoderActor.Decoded d1 = probe.receiveMessage();
    assertEquals(bad, d1.sample());
    assertFalse(d1.clip().isPresent(), "a corrupt file gives no clip");

    decoder.tell(new DecoderActor.Decode(missing, false, 1, probe.getRef()));
    DecoderActor.Decoded d2 = probe.receiveMessage();
    assertEquals(missing, d2.sample());
    assertFalse(d2.clip().isPresent(), "a missing file gives no clip");

    Map<String, String> failures = loader.failures();
    assertEquals(2, failures.size(), failures.toString());
    assertFalse(failures.get("corrupt.avi").isBlank(), "the corrupt file has a reason");
    assertFalse(failures.get("missing.avi").isBlank(), "the missing file has a reason");
    assertTrue(failures.get("missing.avi").contains("MISSING"), failures.get("missing.avi"));

    // Still serving: a good file decodes after the bad ones.
    decoder.tell(new DecoderActor.Decode(index.test().get(0), false, 1, probe.getRef()));
    assertTrue(probe.receiveMessage().clip().isPresent());
    assertEquals(2, loader.failures().size(), "a good file adds no failure");
  }
}

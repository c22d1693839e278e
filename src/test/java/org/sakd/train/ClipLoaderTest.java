package org.sakd.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.sakd.data.Clip;
import org.sakd.data.ClipSource;
import org.sakd.data.Sample;
import org.sakd.data.VideoDecodeException;

class ClipLoaderTest {
  /** A source that counts its calls and fails for sample 9. */
  static final class CountingSource implements ClipSource {
    final AtomicInteger calls = new AtomicInteger();

    @Override
    public Clip load(Sample s, boolean train, long seed) {
      calls.incrementAndGet();
      if (s.index() == 9) {
        throw new VideoDecodeException(
            java.nio.file.Path.of("x.avi"), VideoDecodeException.Reason.UNREADABLE, "bad");
      }
      return new Clip(new float[3 * 2 * 4 * 4], 3, 2, 4, 4);
    }
  }

  @Test
  void cachedClipsAreNotDecodedAgainAndTheBudgetHolds() {
    CountingSource src = new CountingSource();
    ClipLoader loader = new ClipLoader(src, 2 * 4L * 96); // room for two clips of 96 floats
    Sample a = new Sample(0, "a", null, 0);
    Sample b = new Sample(1, "b", null, 0);
    Sample c = new Sample(2, "c", null, 0);
    Clip first = loader.load(a, true, 5).orElseThrow();
    assertSame(first, loader.load(a, true, 5).orElseThrow());
    assertEquals(1, src.calls.get());
    loader.load(a, true, 6); // another seed is another clip
    loader.load(b, false, 0);
    loader.load(c, false, 0); // over budget: decoded, not kept
    loader.load(c, false, 0);
    assertEquals(5, src.calls.get());
    assertEquals(5, loader.decodes());
  }

  @Test
  void failuresAreRecordedAndNeverCached() {
    CountingSource src = new CountingSource();
    ClipLoader loader = new ClipLoader(src, 1 << 20);
    Sample bad = new Sample(9, "bad", null, 0);
    assertTrue(loader.load(bad, true, 1).isEmpty());
    assertTrue(loader.load(bad, true, 1).isEmpty());
    assertEquals(2, src.calls.get());
    assertTrue(loader.failures().get("bad").startsWith("UNREADABLE"));
  }
}

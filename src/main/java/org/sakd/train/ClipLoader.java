package org.sakd.train;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import org.sakd.data.Clip;
import org.sakd.data.ClipSource;
import org.sakd.data.Sample;
import org.sakd.data.VideoDecodeException;

/**
 * Loads clips for training and evaluation without ever crashing the run on a bad file: a failure skips that
 * clip, and is counted and named (path → reason) so the run's report lists it. Nothing is dropped silently.
 */
public final class ClipLoader {
  private final ClipSource source;
  private final Map<String, String> failures = new ConcurrentSkipListMap<>();

  public ClipLoader(ClipSource source) {
    this.source = source;
  }

  /** Derives the clip RNG seed from the run seed, the epoch and the sample, so a resumed run draws the same clips. */
  public static long clipSeed(long runSeed, int epoch, int sampleIndex) {
    long h = runSeed * 0x9E3779B97F4A7C15L + epoch * 0xC2B2AE3D27D4EB4FL + sampleIndex * 0x165667B19E3779F9L;
    h ^= h >>> 31;
    h *= 0xBF58476D1CE4E5B9L;
    return h ^ (h >>> 29);
  }

  public Optional<Clip> load(Sample s, boolean train, long seed) {
    return guarded(s, () -> source.load(s, train, seed));
  }

  /** Test view {@code view} of {@code views} (multi-view evaluation). */
  public Optional<Clip> loadView(Sample s, int view, int views) {
    return guarded(s, () -> source.loadView(s, view, views));
  }

  private Optional<Clip> guarded(Sample s, java.util.function.Supplier<Clip> load) {
    try {
      return Optional.of(load.get());
    } catch (VideoDecodeException e) {
      failures.put(s.id(), e.reason() + ": " + e.getMessage());
    } catch (RuntimeException e) {
      failures.put(s.id(), "ERROR: " + e);
    }
    return Optional.empty();
  }

  /** Skipped clips so far, id → reason. */
  public Map<String, String> failures() {
    return Map.copyOf(failures);
  }
}

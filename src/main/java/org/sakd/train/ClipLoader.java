package org.sakd.train;

import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import org.sakd.data.Clip;
import org.sakd.data.ClipSource;
import org.sakd.data.Sample;
import org.sakd.data.VideoDecodeException;

/**
 * Loads clips for training and evaluation without ever crashing the run on a bad file: a failure
 * skips that clip, and is counted and named (path → reason) so the run's report lists it. Nothing
 * is dropped silently.
 */
public final class ClipLoader {
  private final ClipSource source;
  private final Map<String, String> failures = new ConcurrentSkipListMap<>();
  private final Map<String, Clip> cache = new java.util.concurrent.ConcurrentHashMap<>();
  private final long cacheBudget;
  private final java.util.concurrent.atomic.AtomicLong cached =
      new java.util.concurrent.atomic.AtomicLong();
  private final java.util.concurrent.atomic.AtomicLong decodes =
      new java.util.concurrent.atomic.AtomicLong();

  /** A loader without a clip cache. */
  public ClipLoader(ClipSource source) {
    this(source, 0);
  }

  /**
   * A loader that keeps up to {@code cacheBytes} of decoded clips in memory, keyed by (sample,
   * sampling, seed): when the same clip is asked for again (fixed training sampling, test clips,
   * the scoring pass) it is not decoded again. Clips are admitted until the budget is full, never
   * evicted; clips are never modified after decoding.
   */
  public ClipLoader(ClipSource source, long cacheBytes) {
    this(source, cacheBytes, true);
  }

  /**
   * The same; {@code cacheTraining} false keeps only test views and scoring clips in the cache
   * (training clips drawn anew every epoch never repeat, so caching them only fills memory).
   */
  public ClipLoader(ClipSource source, long cacheBytes, boolean cacheTraining) {
    this.source = source;
    this.cacheBudget = cacheBytes;
    this.cacheTraining = cacheTraining;
  }

  private final boolean cacheTraining;

  /**
   * Derives the clip RNG seed from the run seed, the epoch and the sample, so a resumed run draws
   * the same clips.
   */
  public static long clipSeed(long runSeed, int epoch, int sampleIndex) {
    long h =
        runSeed * 0x9E3779B97F4A7C15L
            + epoch * 0xC2B2AE3D27D4EB4FL
            + sampleIndex * 0x165667B19E3779F9L;
    h ^= h >>> 31;
    h *= 0xBF58476D1CE4E5B9L;
    return h ^ (h >>> 29);
  }

  public Optional<Clip> load(Sample s, boolean train, long seed) {
    return guarded(
        s,
        s.index() + (train ? "/train/" : "/test/") + seed,
        !train || cacheTraining,
        () -> source.load(s, train, seed));
  }

  /** Test view {@code view} of {@code views} (multi-view evaluation). */
  public Optional<Clip> loadView(Sample s, int view, int views) {
    return guarded(
        s, s.index() + "/view/" + view + "/" + views, true, () -> source.loadView(s, view, views));
  }

  /** Clips decoded so far (cache hits not counted). */
  public long decodes() {
    return decodes.get();
  }

  private Optional<Clip> guarded(
      Sample s, String key, boolean cacheable, java.util.function.Supplier<Clip> load) {
    Clip hit = cacheBudget > 0 && cacheable ? cache.get(key) : null;
    if (hit != null) {
      return Optional.of(hit);
    }
    try {
      Clip clip = load.get();
      decodes.incrementAndGet();
      long bytes = 4L * clip.data().length;
      if (cacheBudget > 0
          && cacheable
          && cached.get() + bytes <= cacheBudget
          && cache.putIfAbsent(key, clip) == null) {
        cached.addAndGet(bytes);
      }
      return Optional.of(clip);
    } catch (VideoDecodeException e) {
      failures.put(s.id(), e.reason() + ": " + e.getMessage());
    } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
      // any failure of one clip (a crafted header can make a decoder ask for absurd memory) skips
      // that clip only
      failures.put(s.id(), "ERROR: " + e);
    }
    return Optional.empty();
  }

  /** Skipped clips so far, id → reason. */
  public Map<String, String> failures() {
    return Map.copyOf(failures);
  }
}

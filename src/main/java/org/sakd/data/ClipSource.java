package org.sakd.data;

/**
 * Turns a sample into a normalised clip. {@code train} selects the random (seeded) augmentation;
 * the same sample, flag and seed always give the same clip, so teacher outputs can be cached by
 * (id, train, seed). Implementations are thread-safe.
 */
public interface ClipSource {
  Clip load(Sample s, boolean train, long seed);

  /**
   * Test view {@code view} of {@code views} (multi-view evaluation). Sources without a time axis
   * have one view: by default every view is the test clip.
   */
  default Clip loadView(Sample s, int view, int views) {
    return load(s, false, 0);
  }
}

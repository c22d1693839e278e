package org.sakd.data;

import java.util.Arrays;

/**
 * How a clip is cut from a video: {@code frames} frames taken every {@code stride} frames
 * (SlowFast's T x tau, e.g. 16 x 8; Feichtenhofer et al., 2019), the short side resized to {@code
 * shortSide}, then a {@code crop} x {@code crop} square, normalised per RGB channel as (v/255 -
 * mean) / std.
 */
public record ClipSpec(int frames, int stride, int shortSide, int crop, float[] mean, float[] std) {
  /** Kinetics/SlowFast channel statistics on 0..1 values. */
  public static final float[] KINETICS_MEAN = {0.45f, 0.45f, 0.45f};

  public static final float[] KINETICS_STD = {0.225f, 0.225f, 0.225f};

  public ClipSpec {
    if (frames < 1) throw new IllegalArgumentException("clip frames must be >= 1, got " + frames);
    if (stride < 1) throw new IllegalArgumentException("clip stride must be >= 1, got " + stride);
    if (crop < 1) throw new IllegalArgumentException("crop must be >= 1, got " + crop);
    if (shortSide < crop)
      throw new IllegalArgumentException("short side " + shortSide + " must be >= crop " + crop);
    if (mean == null || mean.length != 3 || std == null || std.length != 3) {
      throw new IllegalArgumentException("mean and std need 3 values (R, G, B)");
    }
    for (float s : std)
      if (!(s > 0))
        throw new IllegalArgumentException("std values must be > 0, got " + Arrays.toString(std));
    mean = mean.clone();
    std = std.clone();
  }

  /** A spec with the Kinetics mean/std. */
  public static ClipSpec of(int frames, int stride, int shortSide, int crop) {
    return new ClipSpec(frames, stride, shortSide, crop, KINETICS_MEAN, KINETICS_STD);
  }

  /** Frames the temporal window spans in the source video. */
  public int span() {
    return frames * stride;
  }

  @Override
  public float[] mean() {
    return mean.clone();
  }

  @Override
  public float[] std() {
    return std.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ClipSpec c
        && c.frames == frames
        && c.stride == stride
        && c.shortSide == shortSide
        && c.crop == crop
        && Arrays.equals(c.mean, mean)
        && Arrays.equals(c.std, std);
  }

  @Override
  public int hashCode() {
    return ((frames * 31 + stride) * 31 + shortSide) * 31
        + crop
        + 17 * Arrays.hashCode(mean)
        + Arrays.hashCode(std);
  }

  @Override
  public String toString() {
    return "ClipSpec["
        + frames
        + "x"
        + stride
        + ", short "
        + shortSide
        + ", crop "
        + crop
        + ", mean "
        + Arrays.toString(mean)
        + ", std "
        + Arrays.toString(std)
        + "]";
  }

  /**
   * 256-entry lookup tables v -> (v/255 - mean[c]) / std[c], one per channel; the decoder's hot
   * loop uses them.
   */
  float[][] normalisationTables() {
    return tables(mean, std);
  }

  /** Tables mapping v -> v/255 (no normalisation), for raw 0..1 output. */
  float[][] withoutNormalisation() {
    return tables(new float[3], new float[] {1, 1, 1});
  }

  private static float[][] tables(float[] mean, float[] std) {
    float[][] lut = new float[3][256];
    for (int c = 0; c < 3; c++) {
      for (int v = 0; v < 256; v++) lut[c][v] = (v / 255f - mean[c]) / std[c];
    }
    return lut;
  }
}

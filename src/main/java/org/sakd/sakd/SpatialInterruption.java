package org.sakd.sakd;

import java.util.Arrays;
import java.util.Random;

/**
 * Image variant of the interruption (METHOD.md section 1, our adaptation: the paper does not
 * publish one). The image (C×H×W, or C×1×H×W — same memory layout) is cut into a gy×gx grid of P
 * patches, numbered row-major; dropout zeroes floor(β·P) patches, shuffle swaps a random half of
 * the patches with the other half, with the same draws as {@link TemporalInterruption} uses for
 * frames.
 */
public final class SpatialInterruption {

  public static final int DEFAULT_GRID = 4;

  private SpatialInterruption() {}

  /** With the default 4×4 grid. */
  public static float[] apply(
      float[] image, int c, int h, int w, double beta, double eta, Random rng) {
    return apply(image, c, h, w, DEFAULT_GRID, DEFAULT_GRID, beta, eta, rng);
  }

  /** Returns a new interrupted copy of {@code image}; patches are (h/gy)×(w/gx) pixels. */
  public static float[] apply(
      float[] image, int c, int h, int w, int gx, int gy, double beta, double eta, Random rng) {
    if (c < 1 || h < 1 || w < 1 || image == null || image.length != (long) c * h * w) {
      throw new IllegalArgumentException(
          "image length "
              + (image == null ? "null" : image.length)
              + " does not match C×H×W = "
              + c
              + "×"
              + h
              + "×"
              + w);
    }
    if (gx < 1 || gy < 1 || h % gy != 0 || w % gx != 0) {
      throw new IllegalArgumentException(
          "patch grid "
              + gx
              + "×"
              + gy
              + " must divide the image "
              + w
              + "×"
              + h
              + " (width by gx, height by gy)");
    }
    TemporalInterruption.checkRates(beta, eta);
    int patches = gx * gy;
    int ph = h / gy;
    int pw = w / gx;
    if (beta >= eta) {
      int[] perm = TemporalInterruption.shufflePermutation(patches, rng);
      float[] out = new float[image.length];
      for (int p = 0; p < patches; p++) {
        copyPatch(image, out, c, h, w, ph, pw, gx, perm[p], p);
      }
      return out;
    }
    float[] out = image.clone();
    for (int p : TemporalInterruption.dropoutFrames(patches, beta, rng)) {
      int top = (p / gx) * ph;
      int left = (p % gx) * pw;
      for (int ch = 0; ch < c; ch++) {
        for (int y = top; y < top + ph; y++) {
          int start = (ch * h + y) * w + left;
          Arrays.fill(out, start, start + pw, 0f);
        }
      }
    }
    return out;
  }

  private static void copyPatch(
      float[] src, float[] dst, int c, int h, int w, int ph, int pw, int gx, int from, int to) {
    int fromTop = (from / gx) * ph;
    int fromLeft = (from % gx) * pw;
    int toTop = (to / gx) * ph;
    int toLeft = (to % gx) * pw;
    for (int ch = 0; ch < c; ch++) {
      for (int y = 0; y < ph; y++) {
        System.arraycopy(
            src, (ch * h + fromTop + y) * w + fromLeft, dst, (ch * h + toTop + y) * w + toLeft, pw);
      }
    }
  }
}

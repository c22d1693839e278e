package org.sakd.sakd;

import java.util.Arrays;
import java.util.Random;

/**
 * Temporal interruption of one clip laid out C×T×H×W (METHOD.md section 1): frame dropout while β <
 * η, half-swap frame shuffle once β ≥ η. Indices are drawn per clip from the caller's seeded RNG (a
 * Decision: the published code shares one draw per batch).
 */
public final class TemporalInterruption {

  private TemporalInterruption() {}

  /** Returns a new interrupted copy of {@code clip}; the input is left untouched. */
  public static float[] apply(
      float[] clip, int c, int t, int h, int w, double beta, double eta, Random rng) {
    checkLayout(clip, c, t, h, w);
    checkRates(beta, eta);
    int frame = h * w;
    if (beta >= eta) {
      return permuteFrames(clip, c, t, frame, shufflePermutation(t, rng));
    }
    float[] out = clip.clone();
    for (int dropped : dropoutFrames(t, beta, rng)) {
      for (int ch = 0; ch < c; ch++) {
        int start = (ch * t + dropped) * frame;
        Arrays.fill(out, start, start + frame, 0f);
      }
    }
    return out;
  }

  /**
   * Interrupts every clip of a batch laid out B×C×T×H×W, each with its own draw (clips consume the
   * RNG in order, so the result is reproducible from the seed).
   */
  public static float[] applyBatch(
      float[] batch, int b, int c, int t, int h, int w, double beta, double eta, Random rng) {
    long clipSize = (long) c * t * h * w;
    if (b < 1 || batch == null || batch.length != b * clipSize) {
      throw new IllegalArgumentException(
          "batch length "
              + (batch == null ? "null" : batch.length)
              + " does not match B×C×T×H×W = "
              + b
              + "×"
              + c
              + "×"
              + t
              + "×"
              + h
              + "×"
              + w);
    }
    float[] out = new float[batch.length];
    for (int i = 0; i < b; i++) {
      float[] clip = Arrays.copyOfRange(batch, (int) (i * clipSize), (int) ((i + 1) * clipSize));
      System.arraycopy(
          apply(clip, c, t, h, w, beta, eta, rng), 0, out, (int) (i * clipSize), (int) clipSize);
    }
    return out;
  }

  /** Number of positions dropout zeroes: floor(β·n). */
  public static int droppedCount(int n, double beta) {
    return (int) Math.floor(beta * n);
  }

  /**
   * The floor(β·n) positions to zero, drawn uniformly without replacement (partial Fisher–Yates),
   * returned in ascending order.
   */
  public static int[] dropoutFrames(int n, double beta, Random rng) {
    if (n < 1) {
      throw new IllegalArgumentException("number of frames must be >= 1, got " + n);
    }
    if (!(beta >= 0.0 && beta <= 1.0)) {
      throw new IllegalArgumentException("interruption rate beta must be in [0, 1], got " + beta);
    }
    int[] drawn = drawWithoutReplacement(n, droppedCount(n, beta), rng);
    Arrays.sort(drawn);
    return drawn;
  }

  /**
   * Half-swap shuffle as a source map: {@code out[p]} is the position whose frame lands at p. A
   * random half S (|S| = floor(n/2), in draw order) is swapped pairwise with the remaining
   * positions R taken in ascending order: x'[S] = x[R], x'[R] = x[S]. For odd n the last position
   * of R keeps its frame.
   */
  public static int[] shufflePermutation(int n, Random rng) {
    if (n < 1) {
      throw new IllegalArgumentException("number of positions must be >= 1, got " + n);
    }
    int half = n / 2;
    int[] s = drawWithoutReplacement(n, half, rng);
    boolean[] inS = new boolean[n];
    for (int p : s) {
      inS[p] = true;
    }
    int[] perm = new int[n];
    for (int p = 0; p < n; p++) {
      perm[p] = p;
    }
    int r = 0;
    for (int i = 0; i < half; i++) {
      while (inS[r]) {
        r++;
      }
      perm[s[i]] = r;
      perm[r] = s[i];
      r++;
    }
    return perm;
  }

  static int[] drawWithoutReplacement(int n, int m, Random rng) {
    if (rng == null) {
      throw new IllegalArgumentException("a seeded Random is required for the interruption draws");
    }
    int[] pool = new int[n];
    for (int i = 0; i < n; i++) {
      pool[i] = i;
    }
    for (int i = 0; i < m; i++) {
      int j = i + rng.nextInt(n - i);
      int tmp = pool[i];
      pool[i] = pool[j];
      pool[j] = tmp;
    }
    return Arrays.copyOf(pool, m);
  }

  private static float[] permuteFrames(float[] clip, int c, int t, int frame, int[] perm) {
    float[] out = new float[clip.length];
    for (int ch = 0; ch < c; ch++) {
      for (int p = 0; p < t; p++) {
        System.arraycopy(clip, (ch * t + perm[p]) * frame, out, (ch * t + p) * frame, frame);
      }
    }
    return out;
  }

  static void checkRates(double beta, double eta) {
    if (!(eta > 0.0 && eta <= 1.0)) {
      throw new IllegalArgumentException(
          "interruption threshold eta must be in (0, 1], got " + eta);
    }
    if (!(beta >= 0.0 && beta <= 1.0)) {
      throw new IllegalArgumentException("interruption rate beta must be in [0, 1], got " + beta);
    }
  }

  private static void checkLayout(float[] clip, int c, int t, int h, int w) {
    if (c < 1 || t < 1 || h < 1 || w < 1) {
      throw new IllegalArgumentException(
          "clip dimensions C×T×H×W must be positive, got " + c + "×" + t + "×" + h + "×" + w);
    }
    if (clip == null || clip.length != (long) c * t * h * w) {
      throw new IllegalArgumentException(
          "clip length "
              + (clip == null ? "null" : clip.length)
              + " does not match C×T×H×W = "
              + c
              + "×"
              + t
              + "×"
              + h
              + "×"
              + w);
    }
  }
}

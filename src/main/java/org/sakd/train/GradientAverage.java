package org.sakd.train;

/**
 * The sample-weighted average of replicas' gradients, in the exact float operations the ring
 * all-reduce performs ({@code org.sakd.cluster.RingAllReduce}), so one JVM with several replicas
 * ({@code pipeline.GradientExchange}) and a cluster of trainer JVMs compute identical bits.
 *
 * <p>Each replica weighs its own gradient ({@link #weigh}: w·g in float, w = samples/total); the
 * weighted parts are then summed ({@link #ringOrderSum}) in the order the ring adds them.
 */
public final class GradientAverage {
  private GradientAverage() {}

  /**
   * w·g with w = samples / total, both in float (0 when {@code total} is 0): "averaged, not
   * summed", the weighted parts sum to the sample-weighted mean. A new array.
   */
  public static float[] weigh(float[] gradient, int samples, int total) {
    if (samples < 0 || total < 0 || samples > total) {
      throw new IllegalArgumentException(
          "samples " + samples + " of " + total + ": need 0 <= samples <= total");
    }
    float w = total == 0 ? 0f : (float) samples / (float) total;
    float[] out = new float[gradient.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = w * gradient[i];
    }
    return out;
  }

  /**
   * Start of segment {@code s} of {@code r} over {@code n} values: n·s/r (segment s ends at s+1's).
   */
  public static int segmentStart(int n, int s, int r) {
    return (int) ((long) n * s / r);
  }

  /**
   * Σ parts in the ring's order: segment s of R ({@link #segmentStart}) starts from rank s's part
   * and adds ranks s+1, s+2, … (mod R), one float addition per hop; {@code parts[i]} is rank i's
   * weighted contribution. One part is returned as a copy.
   */
  public static float[] ringOrderSum(float[][] parts) {
    int r = parts.length;
    if (r == 0) {
      throw new IllegalArgumentException("no parts to sum");
    }
    int n = parts[0].length;
    for (int i = 1; i < r; i++) {
      if (parts[i].length != n) {
        throw new IllegalArgumentException(
            "part " + i + " has " + parts[i].length + " values, part 0 has " + n);
      }
    }
    float[] out = parts[0].clone();
    if (r == 1) {
      return out;
    }
    for (int s = 0; s < r; s++) {
      int from = segmentStart(n, s, r);
      int to = segmentStart(n, s + 1, r);
      System.arraycopy(parts[s], from, out, from, to - from);
      for (int k = 1; k < r; k++) {
        float[] p = parts[(s + k) % r];
        for (int i = from; i < to; i++) {
          out[i] = out[i] + p[i];
        }
      }
    }
    return out;
  }
}

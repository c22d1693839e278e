package org.sakd.sakd;

/**
 * Inner loops of the selectors. C2 (JDK 17) vectorises a plain multiply-add into an array, but not a float or
 * double dot-product reduction (strict FP order), so the hot loops are written in the axpy form; the one
 * reduction left is unrolled by hand with independent accumulators so the CPU can overlap the multiply-adds.
 */
final class Kernels {

  private Kernels() {}

  /**
   * y[i] += a·x[i] for i in [from, to), in float. Both arrays use the same index: with different offsets C2
   * cannot rule out that x and y are one array, and then it does not vectorise the loop.
   */
  static void axpy(float a, float[] x, float[] y, int from, int to) {
    for (int i = from; i < to; i++) {
      y[i] += a * x[i];
    }
  }

  /** y[i] += a·x[i] for i in [from, to), in double (same-index form, see the float version). */
  static void axpy(double a, double[] x, double[] y, int from, int to) {
    for (int i = from; i < to; i++) {
      y[i] += a * x[i];
    }
  }

  /** Σ_d a[aOff+d]·b[bOff+d] of two float rows, in double. */
  static double dot(float[] a, int aOff, float[] b, int bOff, int n) {
    double s0 = 0.0;
    double s1 = 0.0;
    double s2 = 0.0;
    double s3 = 0.0;
    int d = 0;
    for (; d + 3 < n; d += 4) {
      s0 += (double) a[aOff + d] * b[bOff + d];
      s1 += (double) a[aOff + d + 1] * b[bOff + d + 1];
      s2 += (double) a[aOff + d + 2] * b[bOff + d + 2];
      s3 += (double) a[aOff + d + 3] * b[bOff + d + 3];
    }
    for (; d < n; d++) {
      s0 += (double) a[aOff + d] * b[bOff + d];
    }
    return (s0 + s1) + (s2 + s3);
  }
}

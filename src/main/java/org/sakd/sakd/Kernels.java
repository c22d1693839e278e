package org.sakd.sakd;

/**
 * Dot-product loops of the selectors. Float-reduction loops are not auto-vectorised by C2 (strict FP order), so
 * they are unrolled by hand with independent accumulators, which lets the CPU overlap the multiply-adds.
 */
final class Kernels {

  private Kernels() {}

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

  /** y[0..n) += a·x[from..from+n): no reduction, so C2 vectorises it. */
  static void axpy(double a, double[] x, int from, double[] y, int n) {
    for (int d = 0; d < n; d++) {
      y[d] += a * x[from + d];
    }
  }
}

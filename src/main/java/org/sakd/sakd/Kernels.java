package org.sakd.sakd;

/**
 * Dot-product loops of the selectors. Float-reduction loops are not auto-vectorised by C2 (strict FP order), so
 * they are unrolled by hand with independent accumulators, which lets the CPU overlap the multiply-adds.
 */
final class Kernels {

  private Kernels() {}

  /** Σ_d x[off+d]·u[d] in double. */
  static double dot(float[] x, int off, double[] u, int n) {
    double s0 = 0.0;
    double s1 = 0.0;
    double s2 = 0.0;
    double s3 = 0.0;
    int d = 0;
    for (; d + 3 < n; d += 4) {
      s0 += x[off + d] * u[d];
      s1 += x[off + d + 1] * u[d + 1];
      s2 += x[off + d + 2] * u[d + 2];
      s3 += x[off + d + 3] * u[d + 3];
    }
    for (; d < n; d++) {
      s0 += x[off + d] * u[d];
    }
    return (s0 + s1) + (s2 + s3);
  }

  /** Two dot products of one feature row with two directions, sharing the row's loads. */
  static double[] dot2(float[] x, int off, double[] u, double[] v, int n) {
    double a0 = 0.0;
    double a1 = 0.0;
    double b0 = 0.0;
    double b1 = 0.0;
    int d = 0;
    for (; d + 1 < n; d += 2) {
      double x0 = x[off + d];
      double x1 = x[off + d + 1];
      a0 += x0 * u[d];
      a1 += x1 * u[d + 1];
      b0 += x0 * v[d];
      b1 += x1 * v[d + 1];
    }
    for (; d < n; d++) {
      a0 += x[off + d] * u[d];
      b0 += x[off + d] * v[d];
    }
    return new double[] {a0 + a1, b0 + b1};
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

  /** y += a·x over n entries. */
  static void axpy(double a, double[] x, double[] y, int n) {
    for (int d = 0; d < n; d++) {
      y[d] += a * x[d];
    }
  }
}

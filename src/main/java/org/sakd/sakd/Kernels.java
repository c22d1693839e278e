package org.sakd.sakd;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Inner loops of the selectors. C2 (JDK 17) vectorises a plain multiply-add into an array, but not
 * a float or double dot-product reduction (strict FP order), so reductions either use the JDK
 * Vector API (incubator module jdk.incubator.vector) or are unrolled by hand with independent
 * accumulators so the CPU can overlap the multiply-adds. The float bulk kernel of the greedy lives
 * in {@link DirectionPanels}.
 */
final class Kernels {

  private static final VectorSpecies<Double> D4 = DoubleVector.SPECIES_256;

  private Kernels() {}

  /**
   * Σ a[i]·b[i] over i in [0, n) in double with the JDK Vector API: four independent 4-lane fused
   * multiply-add accumulators (so the adds overlap), summed at the end.
   */
  static double dot(double[] a, double[] b, int n) {
    DoubleVector s0 = DoubleVector.zero(D4);
    DoubleVector s1 = DoubleVector.zero(D4);
    DoubleVector s2 = DoubleVector.zero(D4);
    DoubleVector s3 = DoubleVector.zero(D4);
    int i = 0;
    for (; i + 15 < n; i += 16) {
      s0 = DoubleVector.fromArray(D4, a, i).fma(DoubleVector.fromArray(D4, b, i), s0);
      s1 = DoubleVector.fromArray(D4, a, i + 4).fma(DoubleVector.fromArray(D4, b, i + 4), s1);
      s2 = DoubleVector.fromArray(D4, a, i + 8).fma(DoubleVector.fromArray(D4, b, i + 8), s2);
      s3 = DoubleVector.fromArray(D4, a, i + 12).fma(DoubleVector.fromArray(D4, b, i + 12), s3);
    }
    double s = s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
    for (; i < n; i++) {
      s += a[i] * b[i];
    }
    return s;
  }

  /**
   * y[i] += a·x[i] for i in [from, to), in float. Both arrays use the same index: with different
   * offsets C2 cannot rule out that x and y are one array, and then it does not vectorise the loop.
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

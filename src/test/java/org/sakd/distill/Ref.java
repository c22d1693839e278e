package org.sakd.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.function.ToDoubleFunction;

/** Independent double-precision reference formulas for the loss tests (written from the papers). */
final class Ref {

  private Ref() {}

  static double[] softmax(double[] z, double tau) {
    double m = Double.NEGATIVE_INFINITY;
    for (double v : z) {
      m = Math.max(m, v / tau);
    }
    double[] p = new double[z.length];
    double sum = 0;
    for (int k = 0; k < z.length; k++) {
      p[k] = Math.exp(z[k] / tau - m);
      sum += p[k];
    }
    for (int k = 0; k < z.length; k++) {
      p[k] /= sum;
    }
    return p;
  }

  /** KL(p ‖ q) = Σ p log(p/q). */
  static double kl(double[] p, double[] q) {
    double s = 0;
    for (int k = 0; k < p.length; k++) {
      if (p[k] > 0) {
        s += p[k] * Math.log(p[k] / q[k]);
      }
    }
    return s;
  }

  static double kd(double[] s, double[] t, double tau) {
    return tau * tau * kl(softmax(t, tau), softmax(s, tau));
  }

  static double ce(double[] s, int y) {
    return -Math.log(softmax(s, 1)[y]);
  }

  static double tckd(double[] s, double[] t, int y, double tau) {
    double ps = softmax(s, tau)[y];
    double pt = softmax(t, tau)[y];
    return tau * tau * kl(new double[] {pt, 1 - pt}, new double[] {ps, 1 - ps});
  }

  /** NCKD by actually deleting the target column (the implementation masks it instead). */
  static double nckd(double[] s, double[] t, int y, double tau) {
    return tau * tau * kl(softmax(without(t, y), tau), softmax(without(s, y), tau));
  }

  static double[] without(double[] z, int y) {
    double[] r = new double[z.length - 1];
    for (int k = 0, j = 0; k < z.length; k++) {
      if (k != y) {
        r[j++] = z[k];
      }
    }
    return r;
  }

  /** Central finite-difference gradient of f at x. */
  static double[] gradient(ToDoubleFunction<double[]> f, double[] x, double h) {
    double[] g = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      double[] a = x.clone();
      double[] b = x.clone();
      a[i] += h;
      b[i] -= h;
      g[i] = (f.applyAsDouble(a) - f.applyAsDouble(b)) / (2 * h);
    }
    return g;
  }

  static NDArray matrix(NDManager m, double[][] rows) {
    int n = rows.length;
    int d = rows[0].length;
    float[] flat = new float[n * d];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < d; j++) {
        flat[i * d + j] = (float) rows[i][j];
      }
    }
    return m.create(flat, new Shape(n, d));
  }

  static double[][] rows(NDArray a) {
    NDArray d = a.toType(DataType.FLOAT64, false);
    double[] flat = d.toDoubleArray();
    int n = (int) a.getShape().get(0);
    int cols = (int) a.getShape().get(1);
    double[][] r = new double[n][cols];
    for (int i = 0; i < n; i++) {
      System.arraycopy(flat, i * cols, r[i], 0, cols);
    }
    return r;
  }

  static double[] vector(NDArray a) {
    return a.toType(DataType.FLOAT64, false).toDoubleArray();
  }

  static double[] flatten(double[][] x) {
    int d = x[0].length;
    double[] f = new double[x.length * d];
    for (int i = 0; i < x.length; i++) {
      System.arraycopy(x[i], 0, f, i * d, d);
    }
    return f;
  }

  static double[][] unflatten(double[] f, int d) {
    double[][] x = new double[f.length / d][d];
    for (int i = 0; i < x.length; i++) {
      System.arraycopy(f, i * d, x[i], 0, d);
    }
    return x;
  }

  /** y = W x + b for W (out×in). */
  static double[] affine(double[][] w, double[] b, double[] x) {
    double[] y = new double[w.length];
    for (int o = 0; o < w.length; o++) {
      double s = b == null ? 0 : b[o];
      for (int i = 0; i < x.length; i++) {
        s += w[o][i] * x[i];
      }
      y[o] = s;
    }
    return y;
  }

  static double[] relu(double[] x) {
    double[] r = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      r[i] = Math.max(0, x[i]);
    }
    return r;
  }

  static double[] concat(double[] a, double[] b) {
    double[] r = new double[a.length + b.length];
    System.arraycopy(a, 0, r, 0, a.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  static void assertClose(double expected, double actual, double relTol, String what) {
    double tol = relTol * Math.max(1.0, Math.abs(expected));
    if (Math.abs(expected - actual) > tol) {
      throw new AssertionError(
          what + ": expected " + expected + " but got " + actual + " (tol " + tol + ")");
    }
  }

  static void assertClose(double[] expected, double[] actual, double relTol, String what) {
    if (expected.length != actual.length) {
      throw new AssertionError(what + ": length " + expected.length + " vs " + actual.length);
    }
    for (int i = 0; i < expected.length; i++) {
      assertClose(expected[i], actual[i], relTol, what + "[" + i + "]");
    }
  }
}

package org.sakd.sakd;

import java.util.Arrays;

/**
 * One item's exact (double) Cholesky row against the greedy's directions, kept up to date
 * incrementally: c_t = g·u_t for t in [0, upTo) and the part of g those directions leave, g − Σ_t
 * c_t·u_t (classical Gram–Schmidt, one pass per direction while u_t is in cache). Once the item is
 * chosen, its residual is L_ii − Σ c_t² and the left part, divided by √residual, is the next
 * direction (see {@link GreedyMapInference}).
 */
final class ExactRow {

  private final double[] g;
  private final double[] left;
  private double[] c;
  private int upTo;

  /** Row of g = scale·x[off, off + dim), against no direction yet. */
  ExactRow(float[] x, int off, int dim, double scale) {
    g = new double[dim];
    for (int d = 0; d < dim; d++) {
      g[d] = scale * x[off + d];
    }
    left = g.clone();
    c = new double[16];
  }

  int upTo() {
    return upTo;
  }

  /** Makes room for c_t up to t = to. */
  void reserve(int to) {
    if (to > c.length) {
      c = Arrays.copyOf(c, Math.max(to, 2 * c.length));
    }
  }

  /** Extends the row over directions [upTo, to), in order. */
  void extend(double[][] directions, int to) {
    reserve(to);
    accumulate(directions, upTo, to, left);
    upTo = Math.max(upTo, to);
  }

  /**
   * c_t for t in [from, to) and {@code into} −= c_t·u_t: the caller may split the directions
   * between threads, each with its own {@code into}, and then {@link #merge} the parts (after
   * {@link #reserve}).
   */
  void accumulate(double[][] directions, int from, int to, double[] into) {
    int dim = g.length;
    for (int t = from; t < to; t++) {
      double[] u = directions[t];
      double ct = Kernels.dot(u, g, dim);
      c[t] = ct;
      Kernels.axpy(-ct, u, into, 0, dim);
    }
  }

  /**
   * Adds a part accumulated by {@link #accumulate} from zero and marks the row current up to {@code
   * to}.
   */
  void merge(double[] part, int to) {
    for (int d = 0; d < left.length; d++) {
      left[d] += part[d];
    }
    upTo = to;
  }

  /** L_ii − Σ_t c_t² over the directions so far. */
  double residual(double diagonal) {
    double r = diagonal;
    for (int t = 0; t < upTo; t++) {
      r -= c[t] * c[t];
    }
    return r;
  }

  /** The next direction (g − Σ_t c_t·u_t)/√residual; the row is spent afterwards. */
  double[] direction(double residual) {
    double inv = 1.0 / Math.sqrt(residual);
    for (int d = 0; d < left.length; d++) {
      left[d] *= inv;
    }
    return left;
  }
}

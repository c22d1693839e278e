package org.sakd.sakd;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Random;
import org.junit.jupiter.api.Test;

class DirectionPanelsTest {

  private static double dot(float[] x, int off, double[] u) {
    double s = 0;
    for (int d = 0; d < u.length; d++) {
      s += x[off + d] * u[d];
    }
    return s;
  }

  /**
   * The packed float kernel against plain double dot products, with partial panels, chunks and
   * start panels.
   */
  @Test
  void projectMatchesPlainDotProducts() {
    Random rng = new Random(3);
    int dim = 300; // more than one cache chunk, not a multiple of it
    int m = 11;
    int count = 37; // two full panels and a partial one
    float[] x = new float[m * dim];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rng.nextGaussian();
    }
    double[][] u = new double[count][dim];
    DirectionPanels panels = new DirectionPanels(dim, 1); // starts too small: add must grow it
    for (int t = 0; t < count; t++) {
      for (int d = 0; d < dim; d++) {
        u[t][d] = rng.nextGaussian() / Math.sqrt(dim);
      }
      panels.add(u[t]);
    }
    assertEquals(count, panels.count());
    int[] items = {
      4, 0, 7, 10, 2, 9, 9, 9
    }; // two groups; the last rows repeat an item as padding does
    int[] first = {0, 0, 1, 2, 2, 2, 2, 2};
    int[] offsets = new int[items.length];
    for (int r = 0; r < items.length; r++) {
      offsets[r] = items[r] * dim;
    }
    int stride = DirectionPanels.panelsFor(count) * DirectionPanels.WIDTH;
    float[] out = new float[items.length * stride];
    panels.project(x, offsets, first, 0, items.length, out, stride);
    for (int r = 0; r < items.length; r++) {
      int groupFirst = first[r / DirectionPanels.GROUP * DirectionPanels.GROUP];
      for (int t = groupFirst * DirectionPanels.WIDTH; t < count; t++) {
        assertEquals(
            dot(x, offsets[r], u[t]), out[r * stride + t], 1e-4, "row " + r + " direction " + t);
      }
    }
  }

  /**
   * Rows built ahead and extended later equal a row built in one go; the residual is that of
   * Gram–Schmidt.
   */
  @Test
  void exactRowExtendsIncrementallyAndGivesTheSchurResidual() {
    Random rng = new Random(5);
    int dim = 40;
    float[] x = new float[4 * dim];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rng.nextGaussian();
    }
    // Orthonormal directions from the first three rows, built by the rows themselves.
    double[][] directions = new double[3][];
    for (int j = 0; j < 3; j++) {
      ExactRow row = new ExactRow(x, j * dim, dim, 1.0);
      row.extend(directions, j);
      directions[j] = row.direction(row.residual(dot(x, j * dim, toDouble(x, j * dim, dim))));
    }
    for (int a = 0; a < 3; a++) {
      for (int b = 0; b < 3; b++) {
        double s = 0;
        for (int d = 0; d < dim; d++) {
          s += directions[a][d] * directions[b][d];
        }
        assertEquals(a == b ? 1.0 : 0.0, s, 1e-12);
      }
    }
    ExactRow whole = new ExactRow(x, 3 * dim, dim, 0.5);
    whole.extend(directions, 3);
    ExactRow stepwise = new ExactRow(x, 3 * dim, dim, 0.5);
    stepwise.extend(directions, 1);
    stepwise.extend(directions, 3);
    double norm = 0.25 * dot(x, 3 * dim, toDouble(x, 3 * dim, dim));
    assertEquals(whole.residual(norm), stepwise.residual(norm), 0.0);
    assertEquals(3, stepwise.upTo());
    // The residual is the squared length of the part of g outside the directions' span.
    double[] left = stepwise.direction(1.0);
    double outside = 0;
    for (double v : left) {
      outside += v * v;
    }
    assertEquals(outside, whole.residual(norm), 1e-10);
  }

  private static double[] toDouble(float[] x, int off, int dim) {
    double[] v = new double[dim];
    for (int d = 0; d < dim; d++) {
      v[d] = x[off + d];
    }
    return v;
  }
}

package org.sakd.sakd;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The greedy's directions u_t (see {@link GreedyMapInference}) in float, packed for the bulk
 * refresh: panels of {@link #WIDTH} directions, each panel stored dimension by dimension ({@code
 * data[p·D·16 + d·16 + lane]}), the "packed B" layout of a GEMM (Goto &amp; van de Geijn, "Anatomy
 * of High-Performance Matrix Multiplication", ACM TOMS 2008). Projecting a few items onto one panel
 * is then a register-blocked outer-product loop: per dimension, two 8-lane loads of the panel, one
 * broadcast per item and two fused multiply-adds per item, with all partial dot products held in
 * registers. The refresh is cut into chunks of {@link #DIM_CHUNK} dimensions so that a panel's
 * chunk (16 KB) stays in L1 while every item group of the block passes over it and the items'
 * chunks stay in L2, instead of streaming the directions from memory once per item.
 */
final class DirectionPanels {

  /** Directions per panel: two 256-bit float vectors. */
  static final int WIDTH = 16;

  /**
   * Items projected together; 4 items × 2 vectors = 8 accumulators, leaving registers for loads.
   */
  static final int GROUP = 4;

  /** Feature dimensions per cache chunk: 256 × 16 floats = 16 KB of a panel. */
  private static final int DIM_CHUNK = 256;

  private static final VectorSpecies<Float> F = FloatVector.SPECIES_256;

  private final int dim;
  private float[] data;
  private int count;

  DirectionPanels(int dim, int expected) {
    this.dim = dim;
    this.data = new float[Math.multiplyExact(panelsFor(Math.max(1, expected)) * WIDTH, dim)];
  }

  /** Number of panels that hold {@code n} directions. */
  static int panelsFor(int n) {
    return (n + WIDTH - 1) / WIDTH;
  }

  int count() {
    return count;
  }

  /** Appends u (rounded to float) as the next direction. */
  void add(double[] u) {
    int panel = count / WIDTH;
    int lane = count % WIDTH;
    int panelSize = dim * WIDTH;
    if ((long) (panel + 1) * panelSize > data.length) {
      data = Arrays.copyOf(data, Math.multiplyExact(2, data.length));
    }
    int base = panel * panelSize + lane;
    for (int d = 0; d < dim; d++) {
      data[base + d * WIDTH] = (float) u[d];
    }
    count++;
  }

  /**
   * Adds x_i·u_t to {@code out[r·stride + t]} for every direction t of panels [firstPanel[r],
   * panels) and every padded item row r in [lo, hi), a multiple of {@link #GROUP} apart; {@code
   * rowOffset[r]} is where item r's features start in x. Rows are sorted so that a group's first
   * row has the group's smallest first panel.
   */
  void project(
      float[] x, int[] rowOffset, int[] firstPanel, int lo, int hi, float[] out, int stride) {
    int panels = panelsFor(count);
    int panelSize = dim * WIDTH;
    for (int d0 = 0; d0 < dim; d0 += DIM_CHUNK) {
      int d1 = Math.min(dim, d0 + DIM_CHUNK);
      for (int p = 0; p < panels; p++) {
        int uBase = p * panelSize;
        for (int r = lo; r < hi; r += GROUP) {
          if (firstPanel[r] <= p) {
            group(
                x,
                rowOffset[r],
                rowOffset[r + 1],
                rowOffset[r + 2],
                rowOffset[r + 3],
                d0,
                d1,
                data,
                uBase,
                out,
                r * stride + p * WIDTH,
                stride);
          }
        }
      }
    }
  }

  /** The register-blocked kernel: four items against one panel over dimensions [d0, d1). */
  private static void group(
      float[] x,
      int x0,
      int x1,
      int x2,
      int x3,
      int d0,
      int d1,
      float[] u,
      int uBase,
      float[] out,
      int o0,
      int stride) {
    int o1 = o0 + stride;
    int o2 = o1 + stride;
    int o3 = o2 + stride;
    FloatVector a00 = FloatVector.fromArray(F, out, o0);
    FloatVector a01 = FloatVector.fromArray(F, out, o0 + 8);
    FloatVector a10 = FloatVector.fromArray(F, out, o1);
    FloatVector a11 = FloatVector.fromArray(F, out, o1 + 8);
    FloatVector a20 = FloatVector.fromArray(F, out, o2);
    FloatVector a21 = FloatVector.fromArray(F, out, o2 + 8);
    FloatVector a30 = FloatVector.fromArray(F, out, o3);
    FloatVector a31 = FloatVector.fromArray(F, out, o3 + 8);
    for (int d = d0; d < d1; d++) {
      int ui = uBase + d * WIDTH;
      FloatVector u0 = FloatVector.fromArray(F, u, ui);
      FloatVector u1 = FloatVector.fromArray(F, u, ui + 8);
      FloatVector b = FloatVector.broadcast(F, x[x0 + d]);
      a00 = u0.fma(b, a00);
      a01 = u1.fma(b, a01);
      b = FloatVector.broadcast(F, x[x1 + d]);
      a10 = u0.fma(b, a10);
      a11 = u1.fma(b, a11);
      b = FloatVector.broadcast(F, x[x2 + d]);
      a20 = u0.fma(b, a20);
      a21 = u1.fma(b, a21);
      b = FloatVector.broadcast(F, x[x3 + d]);
      a30 = u0.fma(b, a30);
      a31 = u1.fma(b, a31);
    }
    a00.intoArray(out, o0);
    a01.intoArray(out, o0 + 8);
    a10.intoArray(out, o1);
    a11.intoArray(out, o1 + 8);
    a20.intoArray(out, o2);
    a21.intoArray(out, o2 + 8);
    a30.intoArray(out, o3);
    a31.intoArray(out, o3 + 8);
  }
}

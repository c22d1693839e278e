package org.sakd.sakd;

import java.util.Arrays;

/**
 * Greedy MAP inference for a DPP whose kernel is low rank plus diagonal:
 * L_ij = g_i·g_j (i ≠ j), L_ii = g_i·g_i + δ_i, with g_i = s_i·x_i, and a per-item log weight a_i, so the
 * greedy gain of item i given the chosen set S is a_i + log r_i(S), r_i = Schur complement of L at i.
 *
 * <p>This is the incremental-Cholesky greedy of Chen, Zhang &amp; Zhou ("Fast Greedy MAP Inference for DPP",
 * NeurIPS 2018, Alg. 1): adding j to S appends e_i = (L_ij − ⟨c_j, c_i⟩)/d_j to every Cholesky row c_i and
 * subtracts e_i² from r_i. Two exact reformulations make it fast in Java:
 * <ul>
 *   <li>Low rank: for every i not yet chosen, c_i,t = g_i·u_t with u_j = (g_j − Σ_t c_j,t u_t)/d_j ∈ R^D
 *       (induction on the Cholesky recursion, valid because L_ij = g_i·g_j off the diagonal). So a Cholesky
 *       entry costs one D-dot product, and memory is O(D·k + M) instead of O(M·k); no kernel row or M×M matrix
 *       is ever formed.</li>
 *   <li>Lazy evaluation (Minoux 1978): r_i only shrinks as S grows (log det is submodular), so a stale r_i is an
 *       upper bound. Items sit in a max-heap keyed by their last gain; only the top is brought up to date, and
 *       it is chosen once it is current and still on top. This picks exactly the greedy argmax (ties: smallest
 *       id) while most items are never refreshed, and a refresh streams the few new u_t against one
 *       cache-resident feature row instead of the whole M×D matrix per pick.</li>
 * </ul>
 * Items whose residual falls to {@link #RANK_TOLERANCE} or below are "used up" (the kernel's rank is spent); once
 * every remaining item is used up, the rest of the budget is filled by {@code fillScore} (METHOD.md section 5).
 */
final class GreedyMapInference {

  /** Residual at or below which an item adds no new direction (METHOD.md section 5). */
  static final double RANK_TOLERANCE = 1e-9;

  private final float[] x;
  private final int m;
  private final int dim;
  private final double[] scale;
  private final double[] logWeight;
  private final double[] residual;
  private final int[] stamp;
  private double[][] directions;
  private int used;

  private GreedyMapInference(float[] x, int m, int dim, double[] scale, double[] extraDiag, double[] logWeight) {
    this.x = x;
    this.m = m;
    this.dim = dim;
    this.scale = scale;
    this.logWeight = logWeight;
    this.residual = new double[m];
    this.stamp = new int[m];
    for (int i = 0; i < m; i++) {
      int off = i * dim;
      double sq = 0.0;
      for (int d = 0; d < dim; d++) {
        double v = x[off + d];
        sq += v * v;
      }
      residual[i] = scale[i] * scale[i] * sq + extraDiag[i];
    }
  }

  /** Runs the greedy; returns k distinct ids in pick order (the greedy phase, then the fill). */
  static int[] select(float[] x, int m, int dim, double[] scale, double[] extraDiag, double[] logWeight,
      double[] fillScore, int k) {
    return new GreedyMapInference(x, m, dim, scale, extraDiag, logWeight).run(fillScore, k);
  }

  /** 1/‖x_i‖ per row (0 for an all-zero row, whose cosine similarity to everything is taken as 0). */
  static double[] inverseNorms(float[] x, int m, int dim, double factor) {
    double[] inv = new double[m];
    for (int i = 0; i < m; i++) {
      int off = i * dim;
      double sq = 0.0;
      for (int d = 0; d < dim; d++) {
        double v = x[off + d];
        sq += v * v;
      }
      inv[i] = sq > 0.0 ? factor / Math.sqrt(sq) : 0.0;
    }
    return inv;
  }

  private int[] run(double[] fillScore, int k) {
    int[] picked = new int[k];
    boolean[] chosen = new boolean[m];
    int count = 0;
    directions = new double[Math.min(k, 64)][];
    MaxHeap heap = new MaxHeap(m);
    for (int i = 0; i < m; i++) {
      if (residual[i] > RANK_TOLERANCE) {
        heap.push(i, gain(i));
      }
    }
    while (count < k && !heap.isEmpty()) {
      int top = heap.pop();
      if (stamp[top] == used) {
        addDirection(top);
        picked[count++] = top;
        chosen[top] = true;
      } else {
        refresh(top);
        if (residual[top] > RANK_TOLERANCE) {
          heap.push(top, gain(top));
        }
      }
    }
    if (count < k) {
      for (int id : Ranking.descending(fillScore, chosen, k - count)) {
        picked[count++] = id;
      }
    }
    return picked;
  }

  private double gain(int i) {
    return logWeight[i] + Math.log(residual[i]);
  }

  /** Brings r_i up to date with the directions added since its last refresh. */
  private void refresh(int i) {
    int off = i * dim;
    double s = scale[i];
    double r = residual[i];
    int t = stamp[i];
    for (; t + 1 < used; t += 2) {
      double[] pair = Kernels.dot2(x, off, directions[t], directions[t + 1], dim);
      double e0 = s * pair[0];
      double e1 = s * pair[1];
      r -= e0 * e0;
      r -= e1 * e1;
    }
    for (; t < used; t++) {
      double e = s * Kernels.dot(x, off, directions[t], dim);
      r -= e * e;
    }
    residual[i] = r;
    stamp[i] = used;
  }

  /** u_j = (g_j − Σ_t c_j,t u_t)/d_j for the newly chosen j (whose residual is current). */
  private void addDirection(int j) {
    int off = j * dim;
    double s = scale[j];
    double[] u = new double[dim];
    for (int d = 0; d < dim; d++) {
      u[d] = s * x[off + d];
    }
    for (int t = 0; t < used; t++) {
      double c = s * Kernels.dot(x, off, directions[t], dim);
      Kernels.axpy(-c, directions[t], u, dim);
    }
    double inv = 1.0 / Math.sqrt(residual[j]);
    for (int d = 0; d < dim; d++) {
      u[d] *= inv;
    }
    if (used == directions.length) {
      directions = Arrays.copyOf(directions, directions.length * 2);
    }
    directions[used++] = u;
  }

  /** Binary max-heap of (key, id), ties broken towards the smaller id so results match a plain argmax scan. */
  private static final class MaxHeap {
    private final int[] ids;
    private final double[] keys;
    private int size;

    MaxHeap(int capacity) {
      ids = new int[capacity];
      keys = new double[capacity];
    }

    boolean isEmpty() {
      return size == 0;
    }

    void push(int id, double key) {
      int pos = size++;
      while (pos > 0) {
        int parent = (pos - 1) >>> 1;
        if (!before(key, id, keys[parent], ids[parent])) {
          break;
        }
        ids[pos] = ids[parent];
        keys[pos] = keys[parent];
        pos = parent;
      }
      ids[pos] = id;
      keys[pos] = key;
    }

    int pop() {
      int top = ids[0];
      int lastId = ids[--size];
      double lastKey = keys[size];
      int pos = 0;
      while (true) {
        int child = 2 * pos + 1;
        if (child >= size) {
          break;
        }
        if (child + 1 < size && before(keys[child + 1], ids[child + 1], keys[child], ids[child])) {
          child++;
        }
        if (!before(keys[child], ids[child], lastKey, lastId)) {
          break;
        }
        ids[pos] = ids[child];
        keys[pos] = keys[child];
        pos = child;
      }
      ids[pos] = lastId;
      keys[pos] = lastKey;
      return top;
    }

    private static boolean before(double k1, int id1, double k2, int id2) {
      return k1 > k2 || (k1 == k2 && id1 < id2);
    }
  }
}

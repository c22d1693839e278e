package org.sakd.sakd;

import java.util.Arrays;
import java.util.concurrent.ForkJoinTask;

/**
 * Greedy MAP inference for a DPP whose kernel is low rank plus diagonal:
 * L_ij = g_i·g_j (i ≠ j), L_ii = g_i·g_i + δ_i (given as a whole), with g_i = s_i·x_i, and a per-item log weight a_i, so the
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
 *       id) while many items are never refreshed.</li>
 *   <li>Blocking: stale items are refreshed in blocks of up to {@link #BLOCK} taken from the heap top, as one
 *       small matrix product X_B·U (items × directions) split over two threads. The loops run along the
 *       direction index with U stored transposed, so they are plain multiply-adds into an array that C2
 *       vectorises (a dot-product reduction would not be), and each cached block of U serves many items
 *       instead of streaming the whole M×D feature matrix once per pick.</li>
 * </ul>
 * Items whose residual falls to {@link #RANK_TOLERANCE} or below are "used up" (the kernel's rank is spent); once
 * every remaining item is used up, the rest of the budget is filled by {@code fillScore} (METHOD.md section 5).
 */
final class GreedyMapInference {

  /** Residual at or below which an item adds no new direction (METHOD.md section 5). */
  static final double RANK_TOLERANCE = 1e-9;
  /** Stale items refreshed together; about the number a pick needs on clustered features. */
  static final int BLOCK = 48;
  /** Feature dimensions per cache block of the refresh (64 dims × ≤1000 directions × 8 B ≤ 512 KB). */
  private static final int DIM_BLOCK = 64;
  /** Below this many multiply-adds a block is refreshed on the calling thread only. */
  private static final long PARALLEL_WORK = 200_000;

  private final float[] x;
  private final int m;
  private final int dim;
  private final double[] scale;
  private final double[] logWeight;
  private final double[] residual;
  private final int[] stamp;
  /** u_t as rows (for the axpy that builds a new direction). */
  private double[][] directions;
  /** u_t transposed: directionsT[d][t] (for the refresh and c_j loops along t). */
  private final double[][] directionsT;
  private int used;

  private GreedyMapInference(float[] x, int m, int dim, double[] scale, double[] diag, double[] logWeight) {
    this.x = x;
    this.m = m;
    this.dim = dim;
    this.scale = scale;
    this.logWeight = logWeight;
    this.residual = diag.clone();
    this.stamp = new int[m];
    this.directionsT = new double[dim][];
  }

  /**
   * Runs the greedy; returns k distinct ids in pick order (the greedy phase, then the fill). {@code diag} is
   * L_ii, given by the caller so that exactly equal diagonals (cos(F_i, F_i) = 1) tie exactly and the tie goes
   * to the smaller id, as in a plain argmax.
   */
  static int[] select(float[] x, int m, int dim, double[] scale, double[] diag, double[] logWeight,
      double[] fillScore, int k) {
    return new GreedyMapInference(x, m, dim, scale, diag, logWeight).run(fillScore, k);
  }

  /** factor/‖x_i‖ per row (0 for an all-zero row, whose cosine similarity to everything is taken as 0). */
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
    int capacity = Math.min(k, 64);
    directions = new double[capacity][];
    for (int d = 0; d < dim; d++) {
      directionsT[d] = new double[capacity];
    }
    MaxHeap heap = new MaxHeap(m);
    for (int i = 0; i < m; i++) {
      if (residual[i] > RANK_TOLERANCE) {
        heap.push(i, gain(i));
      }
    }
    int[] block = new int[BLOCK];
    while (count < k && !heap.isEmpty()) {
      if (stamp[heap.peek()] == used) {
        int top = heap.pop();
        if (count + 1 < k) {
          addDirection(top);
        }
        picked[count++] = top;
        chosen[top] = true;
        continue;
      }
      int n = 0;
      while (n < BLOCK && !heap.isEmpty() && stamp[heap.peek()] != used) {
        block[n++] = heap.pop();
      }
      refresh(block, n);
      for (int b = 0; b < n; b++) {
        int i = block[b];
        if (residual[i] > RANK_TOLERANCE) {
          heap.push(i, gain(i));
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

  /** Brings the residuals of {@code items[0..n)} up to date with every direction added since their last refresh. */
  private void refresh(int[] items, int n) {
    double[][] acc = new double[n][];
    long work = 0;
    for (int b = 0; b < n; b++) {
      acc[b] = new double[used - stamp[items[b]]];
      work += (long) acc[b].length * dim;
    }
    if (work < PARALLEL_WORK || n < 2) {
      project(items, 0, n, acc);
    } else {
      // Split the block into two halves of about equal work.
      long half = 0;
      int cut = 0;
      while (cut < n - 1 && half + (long) acc[cut].length * dim <= work / 2) {
        half += (long) acc[cut++].length * dim;
      }
      int split = Math.max(1, cut);
      ForkJoinTask.invokeAll(
          ForkJoinTask.adapt(() -> project(items, 0, split, acc)),
          ForkJoinTask.adapt(() -> project(items, split, n, acc)));
    }
    for (int b = 0; b < n; b++) {
      int i = items[b];
      double s = scale[i];
      double r = residual[i];
      for (double v : acc[b]) {
        double e = s * v;
        r -= e * e;
      }
      residual[i] = r;
      stamp[i] = used;
    }
  }

  /** acc[b][t] = x_{items[b]}·u_{stamp+t} for b in [lo, hi), accumulated along t so the inner loop vectorises. */
  private void project(int[] items, int lo, int hi, double[][] acc) {
    for (int d0 = 0; d0 < dim; d0 += DIM_BLOCK) {
      int d1 = Math.min(dim, d0 + DIM_BLOCK);
      for (int b = lo; b < hi; b++) {
        double[] a = acc[b];
        int span = a.length;
        if (span == 0) {
          continue;
        }
        int from = stamp[items[b]];
        int off = items[b] * dim;
        for (int d = d0; d < d1; d++) {
          double xd = x[off + d];
          if (xd != 0.0) {
            Kernels.axpy(xd, directionsT[d], from, a, span);
          }
        }
      }
    }
  }

  /**
   * u_j = (g_j − Σ_t c_j,t u_t)/d_j for the newly chosen j, whose residual d_j² is current; c_j,t = g_j·u_t.
   * Both O(D·|S|) steps are split over the feature dimensions between two threads.
   */
  private void addDirection(int j) {
    int off = j * dim;
    double s = scale[j];
    int half = dim / 2;
    boolean parallel = (long) used * dim >= PARALLEL_WORK;
    double[] c0 = new double[used];
    double[] c1 = new double[used];
    runPair(parallel, () -> projectOne(off, s, 0, half, c0), () -> projectOne(off, s, half, dim, c1));
    for (int t = 0; t < used; t++) {
      c0[t] += c1[t];
    }
    double[] u = new double[dim];
    double inv = 1.0 / Math.sqrt(residual[j]);
    runPair(parallel, () -> subtract(off, s, c0, inv, u, 0, half), () -> subtract(off, s, c0, inv, u, half, dim));
    if (used == directions.length) {
      int capacity = directions.length * 2;
      directions = Arrays.copyOf(directions, capacity);
      for (int d = 0; d < dim; d++) {
        directionsT[d] = Arrays.copyOf(directionsT[d], capacity);
      }
    }
    for (int d = 0; d < dim; d++) {
      directionsT[d][used] = u[d];
    }
    directions[used++] = u;
  }

  private void projectOne(int off, double s, int d0, int d1, double[] c) {
    for (int d = d0; d < d1; d++) {
      double xd = x[off + d];
      if (xd != 0.0) {
        Kernels.axpy(s * xd, directionsT[d], 0, c, used);
      }
    }
  }

  private void subtract(int off, double s, double[] c, double inv, double[] u, int d0, int d1) {
    double[] part = new double[d1 - d0];
    for (int d = d0; d < d1; d++) {
      part[d - d0] = s * x[off + d];
    }
    for (int t = 0; t < used; t++) {
      Kernels.axpy(-c[t], directions[t], d0, part, d1 - d0);
    }
    for (int d = d0; d < d1; d++) {
      u[d] = part[d - d0] * inv;
    }
  }

  private static void runPair(boolean parallel, Runnable a, Runnable b) {
    if (parallel) {
      ForkJoinTask.invokeAll(ForkJoinTask.adapt(a), ForkJoinTask.adapt(b));
    } else {
      a.run();
      b.run();
    }
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

    int peek() {
      return ids[0];
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

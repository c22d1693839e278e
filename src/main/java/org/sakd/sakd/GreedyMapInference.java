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
 *       instead of streaming the whole M×D feature matrix once per pick. This bulk work runs in float
 *       (8 lanes per AVX2 vector, half the memory traffic); its rounding (~1e-6 on a residual of 1) can only
 *       reorder candidates whose gains are that close.</li>
 *   <li>Exact where it matters: the chosen item's Cholesky row c_j and residual d_j² are recomputed in double
 *       before it is accepted (an item whose exact residual is lower than its float estimate goes back to the
 *       heap), and the directions u_j are built and kept in double.</li>
 * </ul>
 * Items whose residual falls to {@link #RANK_TOLERANCE} or below are "used up" (the kernel's rank is spent); once
 * every remaining item is used up, the rest of the budget is filled by {@code fillScore} (METHOD.md section 5).
 * When the caller knows the kernel's rank bound (D for a pure cosine kernel) the greedy phase also ends once
 * that many directions are taken: every residual is then zero in exact arithmetic, whatever float noise says.
 */
final class GreedyMapInference {

  /** Residual at or below which an item adds no new direction (METHOD.md section 5). */
  static final double RANK_TOLERANCE = 1e-9;
  /** Stale items refreshed together; about the number a pick needs on clustered features. */
  static final int BLOCK = 48;
  /** Feature dimensions per cache block of the refresh: 16 rows of U^T stay in L1/L2 while a block's items pass. */
  private static final int DIM_BLOCK = 16;
  /** Below this many multiply-adds a step runs on the calling thread only. */
  private static final long PARALLEL_WORK = 200_000;

  private final float[] x;
  private final int m;
  private final int dim;
  private final double[] scale;
  private final double[] diag;
  private final double[] logWeight;
  private final double[] residual;
  private final int[] stamp;
  /** u_t as rows, double (for the axpy that builds a new direction). */
  private double[][] directions;
  /** u_t transposed, double: directionsT[d][t] (for the exact c_j of a chosen item). */
  private final double[][] directionsT;
  /** u_t transposed, float (for the bulk refresh). */
  private final float[][] directionsTf;
  private int used;

  private GreedyMapInference(float[] x, int m, int dim, double[] scale, double[] diag, double[] logWeight) {
    this.x = x;
    this.m = m;
    this.dim = dim;
    this.scale = scale;
    this.diag = diag;
    this.logWeight = logWeight;
    this.residual = diag.clone();
    this.stamp = new int[m];
    this.directionsT = new double[dim][];
    this.directionsTf = new float[dim][];
  }

  /**
   * Runs the greedy; returns k distinct ids in pick order (the greedy phase, then the fill). {@code diag} is
   * L_ii, given by the caller so that exactly equal diagonals (cos(F_i, F_i) = 1) tie exactly and the tie goes
   * to the smaller id, as in a plain argmax. {@code rankBound} is the most directions the kernel can have.
   */
  static int[] select(float[] x, int m, int dim, double[] scale, double[] diag, double[] logWeight,
      double[] fillScore, int k, int rankBound) {
    return new GreedyMapInference(x, m, dim, scale, diag, logWeight).run(fillScore, k, rankBound);
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

  private int[] run(double[] fillScore, int k, int rankBound) {
    int[] picked = new int[k];
    boolean[] chosen = new boolean[m];
    int count = 0;
    int capacity = Math.max(1, Math.min(Math.min(k, rankBound), 64));
    directions = new double[capacity][];
    for (int d = 0; d < dim; d++) {
      directionsT[d] = new double[capacity];
      directionsTf[d] = new float[capacity];
    }
    MaxHeap heap = new MaxHeap(m);
    for (int i = 0; i < m; i++) {
      if (residual[i] > RANK_TOLERANCE) {
        heap.push(i, gain(i));
      }
    }
    int[] block = new int[BLOCK];
    while (count < k && used < rankBound && !heap.isEmpty()) {
      if (stamp[heap.peek()] == used) {
        int top = heap.pop();
        double[] c = exactRow(top);
        double exact = diag[top];
        for (double v : c) {
          exact -= v * v;
        }
        if (exact <= RANK_TOLERANCE) {
          continue;
        }
        double estimate = residual[top];
        residual[top] = exact;
        if (exact < estimate && !heap.isEmpty() && heap.before(heap.peek(), gain(top), top)) {
          heap.push(top, gain(top));
          continue;
        }
        if (count + 1 < k) {
          addDirection(top, c);
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
    float[][] acc = new float[n][];
    long work = 0;
    for (int b = 0; b < n; b++) {
      acc[b] = new float[used];
      work += (long) (used - stamp[items[b]]) * dim; 
    }
    if (work < PARALLEL_WORK || n < 2) {
      project(items, 0, n, acc);
    } else {
      // Split the block into two halves of about equal work.
      long half = 0;
      int cut = 0;
      while (cut < n - 1 && half + (long) (used - stamp[items[cut]]) * dim <= work / 2) {
        half += (long) (used - stamp[items[cut++]]) * dim;
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
      float[] a = acc[b];
      for (int t = stamp[i]; t < used; t++) {
        double e = s * a[t];
        r -= e * e;
      }
      residual[i] = r;
      stamp[i] = used;
    }
  }

  /** acc[b][t] = x_{items[b]}·u_t for t in [stamp, used), b in [lo, hi), accumulated along t so the inner loop vectorises. */
  private void project(int[] items, int lo, int hi, float[][] acc) {
    project(x, dim, directionsTf, stamp, used, items, lo, hi, acc);
  }

  /** Static, with everything in locals, so C2 compiles one tight loop nest without field reloads. */
  private static void project(float[] x, int dim, float[][] uT, int[] stamp, int used, int[] items, int lo, int hi,
      float[][] acc) {
    for (int d0 = 0; d0 < dim; d0 += DIM_BLOCK) {
      int d1 = Math.min(dim, d0 + DIM_BLOCK);
      for (int b = lo; b < hi; b++) {
        float[] a = acc[b];
        int from = stamp[items[b]];
        if (from == used) {
          continue;
        }
        int off = items[b] * dim;
        for (int d = d0; d < d1; d++) {
          Kernels.axpy(x[off + d], uT[d], a, from, used);
        }
      }
    }
  }

  /** c_j,t = g_j·u_t for every direction so far, in double; split over the feature dimensions. */
  private double[] exactRow(int j) {
    int off = j * dim;
    double s = scale[j];
    int half = dim / 2;
    double[] c0 = new double[used];
    if (used == 0) {
      return c0;
    }
    double[] c1 = new double[used];
    runPair((long) used * dim >= PARALLEL_WORK,
        () -> projectExact(off, s, 0, half, c0), () -> projectExact(off, s, half, dim, c1));
    for (int t = 0; t < used; t++) {
      c0[t] += c1[t];
    }
    return c0;
  }

  /** u_j = (g_j − Σ_t c_j,t u_t)/d_j for the newly chosen j, whose exact residual d_j² is in place. */
  private void addDirection(int j, double[] c) {
    int off = j * dim;
    double s = scale[j];
    int half = dim / 2;
    double[] u = new double[dim];
    double inv = 1.0 / Math.sqrt(residual[j]);
    runPair((long) used * dim >= PARALLEL_WORK,
        () -> subtract(off, s, c, inv, u, 0, half), () -> subtract(off, s, c, inv, u, half, dim));
    if (used == directions.length) {
      int capacity = directions.length * 2;
      directions = Arrays.copyOf(directions, capacity);
      for (int d = 0; d < dim; d++) {
        directionsT[d] = Arrays.copyOf(directionsT[d], capacity);
        directionsTf[d] = Arrays.copyOf(directionsTf[d], capacity);
      }
    }
    for (int d = 0; d < dim; d++) {
      directionsT[d][used] = u[d];
      directionsTf[d][used] = (float) u[d];
    }
    directions[used++] = u;
  }

  private void projectExact(int off, double s, int d0, int d1, double[] c) {
    for (int d = d0; d < d1; d++) {
      double xd = x[off + d];
      if (xd != 0.0) {
        Kernels.axpy(s * xd, directionsT[d], c, 0, used);
      }
    }
  }

  private void subtract(int off, double s, double[] c, double inv, double[] u, int d0, int d1) {
    double[] part = new double[dim];
    for (int d = d0; d < d1; d++) {
      part[d] = s * x[off + d];
    }
    for (int t = 0; t < used; t++) {
      Kernels.axpy(-c[t], directions[t], part, d0, d1);
    }
    for (int d = d0; d < d1; d++) {
      u[d] = part[d] * inv;
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

    /** Whether the entry for {@code id} on top of the heap ranks before (key, otherId). */
    boolean before(int id, double key, int otherId) {
      return before(keys[0], id, key, otherId);
    }

    private static boolean before(double k1, int id1, double k2, int id2) {
      return k1 > k2 || (k1 == k2 && id1 < id2);
    }
  }
}

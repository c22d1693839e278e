package org.sakd.sakd;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ForkJoinTask;
import java.util.function.IntPredicate;

/**
 * Greedy MAP inference for a DPP whose kernel is low rank plus diagonal: L_ij = g_i·g_j (i ≠ j),
 * L_ii = g_i·g_i + δ_i (given as a whole), with g_i = s_i·x_i, and a per-item log weight a_i, so
 * the greedy gain of item i given the chosen set S is a_i + log r_i(S), r_i = Schur complement of L
 * at i.
 *
 * <p>This is the incremental-Cholesky greedy of Chen, Zhang &amp; Zhou ("Fast Greedy MAP Inference
 * for DPP", NeurIPS 2018, Alg. 1): adding j to S appends e_i = (L_ij − ⟨c_j, c_i⟩)/d_j to every
 * Cholesky row c_i and subtracts e_i² from r_i. Two exact reformulations make it fast in Java:
 *
 * <ul>
 *   <li>Low rank: for every i not yet chosen, c_i,t = g_i·u_t with u_j = (g_j − Σ_t c_j,t u_t)/d_j
 *       ∈ R^D (induction on the Cholesky recursion, valid because L_ij = g_i·g_j off the diagonal).
 *       So a Cholesky entry costs one D-dot product, and memory is O(D·k + M) instead of O(M·k); no
 *       kernel row or M×M matrix is ever formed.
 *   <li>Lazy evaluation (Minoux 1978): r_i only shrinks as S grows (log det is submodular), so a
 *       stale r_i is an upper bound. Items sit in a max-heap keyed by their last gain; only the top
 *       is brought up to date, and it is chosen once it is current and still on top. This picks
 *       exactly the greedy argmax (ties: smallest id) while many items are never refreshed.
 *   <li>Blocking: stale items are refreshed in blocks of up to {@link #BLOCK} taken from the heap
 *       top, as one small matrix product X_B·U (items × directions) split over two threads: the
 *       register-blocked JDK Vector API kernel of {@link DirectionPanels} over U packed in float
 *       panels, cache-blocked over the feature dimensions, so each cached piece of U serves the
 *       whole block instead of the M×D feature matrix being streamed once per pick. This bulk work
 *       runs in float (8 lanes per AVX2 vector, half the memory traffic); each float x_i·u_t is
 *       computed the same way whichever refresh computes it, and its rounding (~1e-6 on a residual
 *       of 1) can only reorder candidates whose gains are that close.
 *   <li>Exact where it matters: the chosen item's Cholesky row c_j and residual d_j² are recomputed
 *       in double ({@link ExactRow}) before it is accepted (an item whose exact residual is lower
 *       than its float estimate goes back to the heap), and the directions u_j are built and kept
 *       in double. A pass over the double directions also builds the rows of the current items
 *       nearest the heap top, the likely next picks, so most picks only extend a row by the few
 *       directions added since.
 * </ul>
 *
 * Items whose residual falls to {@link #RANK_TOLERANCE} or below are "used up" (the kernel's rank
 * is spent); once every remaining item is used up, the rest of the budget is filled by {@code
 * fillScore} (METHOD.md section 5). When the caller knows the kernel's rank bound (D for a pure
 * cosine kernel) the greedy phase also ends once that many directions are taken: every residual is
 * then zero in exact arithmetic, whatever float noise says.
 */
final class GreedyMapInference {

  /** Residual at or below which an item adds no new direction (METHOD.md section 5). */
  static final double RANK_TOLERANCE = 1e-9;

  /** Stale items refreshed together; about the number a pick needs on clustered features. */
  static final int BLOCK = 48;

  /** Below this many multiply-adds a step runs on the calling thread only. */
  private static final long PARALLEL_WORK = 200_000;

  /** Most rows built ahead in one pass over the directions. */
  static final int LIKELY = 8;

  /** Heap slots searched for them: the top five levels. */
  private static final int NEAR_TOP = 31;

  private final float[] x;
  private final int m;
  private final int dim;
  private final double[] scale;
  private final double[] diag;
  private final double[] logWeight;
  private final double[] residual;
  private final int[] stamp;

  /** u_t as rows, double (for the exact Cholesky row of a chosen item and the next direction). */
  private double[][] directions;

  /** u_t in float, packed for the bulk refresh. */
  private DirectionPanels panels;

  /** Exact rows built ahead for items likely to be chosen next, by item. */
  private final Map<Integer, ExactRow> likely = new HashMap<>();

  private int used;

  private GreedyMapInference(
      float[] x, int m, int dim, double[] scale, double[] diag, double[] logWeight) {
    this.x = x;
    this.m = m;
    this.dim = dim;
    this.scale = scale;
    this.diag = diag;
    this.logWeight = logWeight;
    this.residual = diag.clone();
    this.stamp = new int[m];
  }

  /**
   * Runs the greedy; returns k distinct ids in pick order (the greedy phase, then the fill). {@code
   * diag} is L_ii, given by the caller so that exactly equal diagonals (cos(F_i, F_i) = 1) tie
   * exactly and the tie goes to the smaller id, as in a plain argmax. {@code rankBound} is the most
   * directions the kernel can have.
   */
  static int[] select(
      float[] x,
      int m,
      int dim,
      double[] scale,
      double[] diag,
      double[] logWeight,
      double[] fillScore,
      int k,
      int rankBound) {
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      throw new IllegalStateException(
          "the greedy DPP selector needs the JDK Vector API: run java with "
              + "--add-modules jdk.incubator.vector");
    }
    return new GreedyMapInference(x, m, dim, scale, diag, logWeight).run(fillScore, k, rankBound);
  }

  /**
   * factor/‖x_i‖ per row (0 for an all-zero row, whose cosine similarity to everything is taken as
   * 0).
   */
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
    int expected = Math.max(1, Math.min(k, rankBound));
    directions = new double[Math.min(expected, 64)][];
    panels = new DirectionPanels(dim, Math.min(expected, 64));
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
        ExactRow row = exactRow(top, heap);
        double exact = row.residual(diag[top]);
        if (exact <= RANK_TOLERANCE) {
          continue;
        }
        double estimate = residual[top];
        residual[top] = exact;
        if (exact < estimate && !heap.isEmpty() && heap.before(heap.peek(), gain(top), top)) {
          heap.push(top, gain(top));
          likely.put(top, row);
          continue;
        }
        if (count + 1 < k) {
          addDirection(row, exact);
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

  /**
   * Brings the residuals of {@code items[0..n)} up to date with every direction added since their
   * last refresh: the float projections x_i·u_t come from {@link DirectionPanels#project}, the
   * residual update is in double.
   */
  private void refresh(int[] items, int n) {
    // Sorted by stamp so that the items of a kernel group need about the same panels.
    long[] keyed = new long[n];
    for (int b = 0; b < n; b++) {
      keyed[b] = ((long) stamp[items[b]] << 32) | b;
    }
    Arrays.sort(keyed);
    int groups = (n + DirectionPanels.GROUP - 1) / DirectionPanels.GROUP;
    int rows = groups * DirectionPanels.GROUP;
    int stride = DirectionPanels.panelsFor(used) * DirectionPanels.WIDTH;
    int[] order = new int[rows];
    int[] rowOffset = new int[rows];
    int[] firstPanel = new int[rows];
    long[] groupWork = new long[groups];
    long work = 0;
    for (int r = 0; r < rows; r++) {
      int i =
          items[
              (int)
                  keyed[
                      Math.min(
                          r, n - 1)]]; // padding rows repeat the last item; their output is unused
      order[r] = i;
      rowOffset[r] = i * dim;
      firstPanel[r] = stamp[i] / DirectionPanels.WIDTH;
    }
    for (int g = 0; g < groups; g++) {
      groupWork[g] =
          (long) (stride - firstPanel[g * DirectionPanels.GROUP] * DirectionPanels.WIDTH) * dim;
      work += groupWork[g];
    }
    float[] out = new float[rows * stride];
    if (work * DirectionPanels.GROUP < PARALLEL_WORK || groups < 2) {
      panels.project(x, rowOffset, firstPanel, 0, rows, out, stride);
    } else {
      // Split the groups into two runs of about equal work.
      long half = 0;
      int cut = 0;
      while (cut < groups - 1 && half + groupWork[cut] <= work / 2) {
        half += groupWork[cut++];
      }
      int split = Math.max(1, cut) * DirectionPanels.GROUP;
      ForkJoinTask.invokeAll(
          ForkJoinTask.adapt(() -> panels.project(x, rowOffset, firstPanel, 0, split, out, stride)),
          ForkJoinTask.adapt(
              () -> panels.project(x, rowOffset, firstPanel, split, rows, out, stride)));
    }
    for (int r = 0; r < n; r++) {
      int i = order[r];
      double s = scale[i];
      double res = residual[i];
      int base = r * stride;
      for (int t = stamp[i]; t < used; t++) {
        double e = s * out[base + t];
        res -= e * e;
      }
      residual[i] = res;
      stamp[i] = used;
    }
  }

  /**
   * The exact row of {@code top}, about to be chosen. Each full pass over the double directions
   * streams D·used doubles from memory, so a pass is shared: it also builds the rows of the current
   * items nearest the heap top ({@link #LIKELY} at most), which are likely the next picks (on
   * clustered features 7 picks in 10 come from that set). Their rows are then only extended by the
   * few directions added since, instead of another full pass.
   */
  private ExactRow exactRow(int top, MaxHeap heap) {
    ExactRow cached = likely.remove(top);
    if (cached != null) {
      cached.extend(directions, used);
      return cached;
    }
    likely.clear();
    List<ExactRow> rows = new ArrayList<>();
    ExactRow row = newRow(top);
    rows.add(row);
    for (int id : heap.nearTop(LIKELY, i -> stamp[i] == used)) {
      ExactRow candidate = newRow(id);
      likely.put(id, candidate);
      rows.add(candidate);
    }
    boolean parallel = (long) used * dim * rows.size() >= PARALLEL_WORK;
    if (rows.size() == 1) {
      // One row: split its directions between the two threads, each with its own part of g − Σ
      // c_t·u_t.
      row.reserve(used);
      double[] part = new double[dim];
      int half = used / 2;
      runPair(
          parallel,
          () -> row.extend(directions, half),
          () -> row.accumulate(directions, half, used, part));
      row.merge(part, used);
    } else {
      int split = (rows.size() + 1) / 2;
      runPair(
          parallel,
          () -> extendAll(rows.subList(0, split)),
          () -> extendAll(rows.subList(split, rows.size())));
    }
    return row;
  }

  private ExactRow newRow(int i) {
    return new ExactRow(x, i * dim, dim, scale[i]);
  }

  /**
   * Extends several rows over all directions, direction by direction, so each u_t is read from
   * memory once.
   */
  private void extendAll(List<ExactRow> rows) {
    for (ExactRow r : rows) {
      r.reserve(used);
    }
    for (int t = 0; t < used; t++) {
      for (ExactRow r : rows) {
        r.extend(directions, t + 1);
      }
    }
  }

  /** Adds u_j = (g_j − Σ_t c_j,t u_t)/d_j for the newly chosen j with exact residual d_j². */
  private void addDirection(ExactRow row, double exactResidual) {
    double[] u = row.direction(exactResidual);
    if (used == directions.length) {
      directions = Arrays.copyOf(directions, directions.length * 2);
    }
    panels.add(u);
    directions[used++] = u;
  }

  private static void runPair(boolean parallel, Runnable a, Runnable b) {
    if (parallel) {
      ForkJoinTask.invokeAll(ForkJoinTask.adapt(a), ForkJoinTask.adapt(b));
    } else {
      a.run();
      b.run();
    }
  }

  /**
   * Binary max-heap of (key, id), ties broken towards the smaller id so results match a plain
   * argmax scan.
   */
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

    /**
     * Up to {@code most} ids from the first {@link #NEAR_TOP} heap slots that pass {@code keep}, in
     * slot order.
     */
    int[] nearTop(int most, IntPredicate keep) {
      int[] found = new int[most];
      int n = 0;
      for (int pos = 0; pos < Math.min(size, NEAR_TOP) && n < most; pos++) {
        if (keep.test(ids[pos])) {
          found[n++] = ids[pos];
        }
      }
      return Arrays.copyOf(found, n);
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

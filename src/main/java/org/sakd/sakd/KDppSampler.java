package org.sakd.sakd;

import static org.bytedeco.openblas.global.openblas.CblasNoTrans;
import static org.bytedeco.openblas.global.openblas.CblasRowMajor;
import static org.bytedeco.openblas.global.openblas.CblasTrans;
import static org.bytedeco.openblas.global.openblas.CblasUpper;
import static org.bytedeco.openblas.global.openblas.LAPACKE_dsyevd;
import static org.bytedeco.openblas.global.openblas.LAPACK_ROW_MAJOR;
import static org.bytedeco.openblas.global.openblas.blas_set_num_threads;
import static org.bytedeco.openblas.global.openblas.cblas_dsyrk;
import static org.bytedeco.openblas.global.openblas.cblas_sgemm;
import static org.bytedeco.openblas.global.openblas.cblas_sgemv;

import java.util.Arrays;
import java.util.Random;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;

/**
 * Exact k-DPP sampling (METHOD.md section 5, "k-DPP sampling") on SAKD's quality-weighted
 * L-ensemble L = Diag(e^{θq})·K·Diag(e^{θq}), θ = γ/(2(1−γ)), K_ij = cos(F_i, F_j): draws S with
 * P(S) ∝ det(L_S) among |S| = k.
 *
 * <p>Algorithm (Kulesza &amp; Taskar, "k-DPPs: Fixed-Size Determinantal Point Processes", ICML
 * 2011, Alg. 1; and "Determinantal Point Processes for Machine Learning", FnT ML 2012, Alg. 1, Alg.
 * 8 and the dual representation of section 3.3):
 *
 * <ol>
 *   <li>B (M×D) has rows b_i = w_i·F_i/‖F_i‖ with w_i = e^{θ(q_i − q_max)} (an all-zero row stays
 *       zero and spans nothing), so L = B·Bᵀ up to the factor e^{2θ q_max}, which a k-DPP ignores
 *       (P(S) is invariant to scaling L). When M &gt; D the eigenproblem is solved in the dual, C =
 *       Bᵀ·B (D×D, section 3.3): L and C share their non-zero eigenvalues λ_n, and v̂_n =
 *       B·v_n/√λ_n are L's unit eigenvectors. When M ≤ D, L itself (M×M) is smaller and is
 *       decomposed directly.
 *   <li>The k eigenvectors are chosen by the elementary symmetric polynomial recursion e_l^n =
 *       e_l^{n−1} + λ_n·e_{l−1}^{n−1} (FnT 2012, Alg. 7), then, for n = N … 1, eigenvector n is
 *       kept with probability λ_n·e_{l−1}^{n−1}/e_l^n, l the number still to choose (FnT 2012 Alg.
 *       8, ICML 2011 Alg. 1). e^{θq} and the spread of the spectrum make e_k over- or underflow in
 *       plain arithmetic (e_k of a thousand eigenvalues of size 10⁻² is 10⁻²⁰⁰⁰ times a binomial),
 *       so the λ_n are divided by the largest and the recursion runs on log e_l^n (log-add-exp).
 *   <li>The elementary DPP of the chosen eigenvectors is sampled sequentially (FnT 2012, Alg. 1,
 *       second phase): item i is drawn with probability ∝ Σ_{v∈V} (vᵀe_i)², then V is replaced by
 *       an orthonormal basis of its subspace orthogonal to e_i. With Y (M×k) holding the chosen
 *       v̂_n as columns, row y_i ∈ R^k, that weight is the Schur residual r_i(S) = ‖y_i‖² − ‖P_S
 *       y_i‖², P_S the projection onto span{y_s : s ∈ S}, so the loop runs in the k-dimensional
 *       eigenvector coordinates: an orthonormal basis u_1 … u_t of span{y_S} is grown by
 *       Gram–Schmidt (twice, for orthogonality in float), and r_i = ‖y_i‖² − Σ_t (y_i·u_t)².
 * </ol>
 *
 * <p>Cost: O(M·D²) for C (BLAS dsyrk), O(D³) for the eigendecomposition (LAPACK dsyevd), O(M·D·k)
 * for Y (sgemm), O(M·k²) for the sampling. The O(M·k²) part is done as BLAS-3 (sgemm): residuals
 * are kept as upper bounds ("stale": they only shrink as S grows) and refreshed for all items at
 * once, with every direction added since the last refresh, in one Y·Uᵀ product. Between refreshes
 * an item is proposed in proportion to its stale residual s_i (Fenwick tree) and accepted with
 * probability r_i/s_i, r_i its exact current residual (one sgemv); a rejected item's bound is
 * tightened to r_i. This rejection step draws i with probability exactly ∝ r_i, whatever the bounds
 * (each trial outputs i with probability r_i/Σs), so it is the same distribution as the plain loop.
 * A refresh happens when the expected acceptance drops below one half or {@link #MAX_BLOCK}
 * directions are pending.
 *
 * <p><b>k larger than the rank.</b> A k-DPP puts no mass on sets larger than rank(L) = r (at most
 * D). Then the r chosen eigenvectors are all of them (e_r's recursion keeps every eigenvector: the
 * exact r-DPP, i.e. the projection DPP onto L's range), that draw is taken as the first r picks,
 * and the remaining k − r are filled by quality-weighted sampling without replacement among the
 * other items, with weights e^{2θ q_i} (L_ii/K_ii, the quality factor of the L-ensemble; uniform at
 * γ = 0), drawn by Efraimidis–Spirakis keys log E_i − 2θ q_i, E_i exponential, smallest first (the
 * same law as drawing one at a time in proportion to the weight). Eigenvalues at or below {@link
 * #RANK_TOLERANCE}·λ_max count as zero (dsyrk and dsyevd in double round at ~1e-13 of λ_max at
 * these sizes). The fill also takes over, for the rest of the budget, should the sampling run out
 * of residual mass early (a numerical safeguard; not expected). Near γ = 1 the weights matter: an
 * item with θ·(q_max − q_i) ≳ 10 has w_i² below the tolerance, so it adds no numerical rank and is
 * reachable only through the fill; the DPP part then shrinks and the draw tends to the quality
 * order, as at γ = 1 (measured on 4,000 clustered samples, D = 256, q in [0, 10): rank 256 at γ ≤
 * 0.9, 65 at γ = 0.99, 1 at γ = 1 − 1e-6).
 *
 * <p>Precision: C, its eigendecomposition and log e_l^n are in double; Y, the directions and the
 * BLAS-3/2 work of the sampling loop are in float (a relative error of ~1e-6 on probabilities), the
 * residuals and the Fenwick tree in double. Randomness comes only from the caller's {@link Random}:
 * same input, seed and BLAS thread count give the same subset. OpenBLAS's thread count is
 * process-global, so calls are serialised.
 */
public final class KDppSampler {

  /** Eigenvalues at or below this fraction of the largest are numerically zero. */
  public static final double RANK_TOLERANCE = 1e-9;

  /** Most directions applied in one refresh (bounds the M×b refresh buffer). */
  static final int MAX_BLOCK = 128;

  /** Scratch rows per chunk: at most this many matrix entries per chunk of B. */
  private static final int CHUNK_ENTRIES = 1 << 22;

  /**
   * System property with the OpenBLAS threads for the BLAS-3 work (default 1). On cores shared with
   * other jobs, two threads measured slower than one (UCF101 scale: 4.3 s against 3.5 s; the
   * refresh sgemm twice as slow), and one thread keeps the result independent of the machine's core
   * count; a dedicated machine may gain from more.
   */
  public static final String THREADS_PROPERTY = "sakd.blas.threads";

  /**
   * Below this many multiply-adds in C = BᵀB, all BLAS work runs on one thread (no thread
   * switching).
   */
  private static final long PARALLEL_WORK = 50_000_000L;

  private static final Object BLAS_LOCK = new Object();

  /**
   * OpenBLAS's (process-global) thread count as last set here; set only on change, since each
   * change costs.
   */
  private static int blasThreads = -1;

  private KDppSampler() {}

  /** Seconds per phase of one draw, and what the draw did. */
  public record Timings(
      double weights,
      double gram,
      double eigen,
      double choose,
      double project,
      double sample,
      double fill,
      int rank,
      int sampled,
      int filled,
      boolean dual,
      long proposals,
      int refreshes,
      double refreshSeconds) {

    public double total() {
      return weights + gram + eigen + choose + project + sample + fill;
    }

    @Override
    public String toString() {
      return String.format(
          java.util.Locale.ROOT,
          "weights %.3f s, gram %.3f s, eigen %.3f s, choose %.3f s, project %.3f s, sample %.3f s (of which "
              + "refreshes %.3f s), fill %.3f s (rank %d, sampled %d, filled %d, %s, proposals %d, refreshes %d)",
          weights,
          gram,
          eigen,
          choose,
          project,
          sample,
          refreshSeconds,
          fill,
          rank,
          sampled,
          filled,
          dual ? "dual" : "primal",
          proposals,
          refreshes);
    }
  }

  /** One draw: the k ids in draw order (the DPP's picks, then any fill) and its phase timings. */
  public record Draw(int[] ids, Timings timings) {}

  /** Draws S ~ k-DPP(L) for γ in [0, 1) (γ = 1 is top-k by q and is the caller's business). */
  public static Draw sample(SelectionInput in, int k, double gamma, Random rng) {
    SubsetSelector.checkBudget(in, k);
    Selectors.checkGamma(gamma);
    if (gamma >= 1.0) {
      throw new IllegalArgumentException(
          "k-DPP sampling needs gamma < 1; gamma = 1 is top-k by quality");
    }
    if (rng == null) {
      throw new IllegalArgumentException("k-DPP sampling needs a seeded Random");
    }
    synchronized (BLAS_LOCK) {
      return new Run(in, k, gamma, rng).draw();
    }
  }

  /**
   * Sets OpenBLAS's thread count if it differs from the last one set (caller holds {@link
   * #BLAS_LOCK}).
   */
  private static void threads(int n) {
    if (n != blasThreads) {
      blas_set_num_threads(n);
      blasThreads = n;
    }
  }

  /** log(e^a + e^b), exact at −∞. */
  static double logAddExp(double a, double b) {
    if (a == Double.NEGATIVE_INFINITY) {
      return b;
    }
    if (b == Double.NEGATIVE_INFINITY) {
      return a;
    }
    return a > b ? a + Math.log1p(Math.exp(b - a)) : b + Math.log1p(Math.exp(a - b));
  }

  /**
   * log e_l^n for l = 0 … k, n = 0 … N (row l, column n, stride N + 1): the elementary symmetric
   * polynomials of the first n eigenvalues, recursion e_l^n = e_l^{n−1} + λ_n·e_{l−1}^{n−1} (FnT
   * 2012, Alg. 7), in log space.
   */
  static double[] logElementary(double[] logLambda, int k) {
    int n = logLambda.length;
    int stride = n + 1;
    double[] e = new double[(k + 1) * stride];
    Arrays.fill(e, Double.NEGATIVE_INFINITY);
    for (int c = 0; c <= n; c++) {
      e[c] = 0.0; // e_0 = 1
    }
    for (int l = 1; l <= k; l++) {
      int row = l * stride;
      int prev = (l - 1) * stride;
      for (int c = 1; c <= n; c++) {
        e[row + c] = logAddExp(e[row + c - 1], logLambda[c - 1] + e[prev + c - 1]);
      }
    }
    return e;
  }

  /**
   * Chooses k of the eigenvalues (given as logs, any common scale) with probability ∝ Π_{n∈J} λ_n:
   * for n = N … 1, keep n with probability λ_n·e_{l−1}^{n−1}/e_l^n (FnT 2012 Alg. 8; ICML 2011 Alg.
   * 1). Returns the kept indices, descending. Needs 0 ≤ k ≤ number of finite logs.
   */
  static int[] chooseEigenvectors(double[] logLambda, int k, Random rng) {
    int n = logLambda.length;
    int stride = n + 1;
    double[] e = logElementary(logLambda, k);
    int[] chosen = new int[k];
    int l = k;
    for (int c = n; c >= 1 && l > 0; c--) {
      double logP = logLambda[c - 1] + e[(l - 1) * stride + c - 1] - e[l * stride + c];
      double u = rng.nextDouble();
      if (u == 0.0 || Math.log(u) < logP) {
        chosen[k - l] = c - 1;
        l--;
      }
    }
    if (l != 0) {
      throw new IllegalStateException(
          "elementary symmetric recursion chose "
              + (k - l)
              + " of "
              + k
              + " eigenvectors; is k larger than the number of non-zero eigenvalues?");
    }
    return chosen;
  }

  /**
   * Quality-weighted sampling without replacement of {@code count} ids not in {@code taken},
   * weights e^{2θ q_i}: Efraimidis–Spirakis keys log E_i − 2θ q_i (E_i = −log U_i exponential),
   * smallest first.
   */
  static int[] weightedFill(
      double[] quality, double twoTheta, boolean[] taken, int count, Random rng) {
    int m = quality.length;
    int free = 0;
    for (boolean t : taken) {
      if (!t) {
        free++;
      }
    }
    if (count > free) {
      throw new IllegalStateException("cannot fill " + count + " of " + free + " free items");
    }
    int[] ids = new int[free];
    double[] keys = new double[free];
    int n = 0;
    for (int i = 0; i < m; i++) {
      double u =
          rng.nextDouble(); // one draw per item, taken or not, so the stream does not depend on
      // `taken`
      if (!taken[i]) {
        ids[n] = i;
        keys[n] =
            Math.log(-Math.log1p(-u)) - twoTheta * quality[i]; // −log(1−u) is Exp(1), and finite
        n++;
      }
    }
    Integer[] order = new Integer[free];
    for (int i = 0; i < free; i++) {
      order[i] = i;
    }
    Arrays.sort(
        order,
        (a, b) -> {
          int c = Double.compare(keys[a], keys[b]);
          return c != 0 ? c : Integer.compare(ids[a], ids[b]);
        });
    int[] out = new int[count];
    for (int i = 0; i < count; i++) {
      out[i] = ids[order[i]];
    }
    return out;
  }

  /** One draw's state. */
  private static final class Run {
    private final SelectionInput in;
    private final int m;
    private final int dim;
    private final int k;
    private final double theta;
    private final Random rng;

    /**
     * Threads for the BLAS-3 work (C, Y, refreshes); LAPACK and the level-2 loop always run on one
     * (OpenBLAS's multi-threaded dsytrd took 15–24 s instead of 0.9 s at D = 2,304 on two shared
     * cores).
     */
    private final int threads;

    /** w_i/‖F_i‖: row scale of B. */
    private double[] scale;

    private long proposals;
    private int refreshes;
    private long refreshNanos;

    Run(SelectionInput in, int k, double gamma, Random rng) {
      this.in = in;
      this.m = in.samples();
      this.dim = in.dim();
      this.k = k;
      this.theta = gamma / (2.0 * (1.0 - gamma));
      this.rng = rng;
      long work = (long) m * dim * Math.min(m, dim);
      this.threads =
          work < PARALLEL_WORK ? 1 : Math.max(1, Integer.getInteger(THREADS_PROPERTY, 1));
    }

    Draw draw() {
      long t0 = System.nanoTime();
      scale = rowScale();
      long t1 = System.nanoTime();
      boolean dual = m > dim;
      int n = dual ? dim : m;
      double[] lambda = new double[n];
      double[] vectors;
      try (DoublePointer a = new DoublePointer((long) n * n)) {
        gram(a, dual, n);
        long t2 = System.nanoTime();
        try (DoublePointer w = new DoublePointer(n)) {
          threads(1); // multi-threaded dsytrd collapses when the cores are shared
          int info = LAPACKE_dsyevd(LAPACK_ROW_MAJOR, (byte) 'V', (byte) 'U', n, a, n, w);
          if (info != 0) {
            throw new IllegalStateException("LAPACK dsyevd failed, info = " + info);
          }
          w.get(lambda);
        }
        vectors = new double[n * n];
        a.get(vectors);
        long t3 = System.nanoTime();
        return afterEigen(dual, n, lambda, vectors, t0, t1, t2, t3);
      }
    }

    private Draw afterEigen(
        boolean dual,
        int n,
        double[] lambda,
        double[] vectors,
        long t0,
        long t1,
        long t2,
        long t3) {
      double max = 0.0;
      for (double l : lambda) {
        max = Math.max(max, l);
      }
      int rank = 0;
      int[] positive = new int[n];
      for (int j = 0; j < n; j++) {
        if (max > 0.0 && lambda[j] > RANK_TOLERANCE * max) {
          positive[rank++] = j;
        }
      }
      int[] chosen;
      if (k >= rank) {
        chosen = Arrays.copyOf(positive, rank);
      } else {
        double[] logLambda = new double[rank];
        for (int j = 0; j < rank; j++) {
          logLambda[j] = Math.log(lambda[positive[j]] / max);
        }
        int[] local = chooseEigenvectors(logLambda, k, rng);
        chosen = new int[k];
        for (int j = 0; j < k; j++) {
          chosen[j] = positive[local[j]];
        }
      }
      long t4 = System.nanoTime();
      int kk = chosen.length;
      int[] picked;
      long t5;
      long t6;
      if (kk == 0) {
        picked = new int[0];
        t5 = t4;
        t6 = t4;
      } else {
        try (FloatPointer y = new FloatPointer((long) m * kk)) {
          project(y, dual, n, lambda, vectors, chosen);
          t5 = System.nanoTime();
          picked = new Elementary(y, m, kk, rng).run();
          t6 = System.nanoTime();
        }
      }
      int[] ids = picked;
      int filled = 0;
      if (picked.length < k) {
        boolean[] taken = new boolean[m];
        for (int id : picked) {
          taken[id] = true;
        }
        int[] rest = weightedFill(in.quality(), 2.0 * theta, taken, k - picked.length, rng);
        filled = rest.length;
        ids = Arrays.copyOf(picked, k);
        System.arraycopy(rest, 0, ids, picked.length, rest.length);
      }
      long t7 = System.nanoTime();
      Timings timings =
          new Timings(
              sec(t1 - t0),
              sec(t2 - t1),
              sec(t3 - t2),
              sec(t4 - t3),
              sec(t5 - t4),
              sec(t6 - t5),
              sec(t7 - t6),
              rank,
              picked.length,
              filled,
              dual,
              proposals,
              refreshes,
              sec(refreshNanos));
      return new Draw(ids, timings);
    }

    private static double sec(long nanos) {
      return nanos / 1e9;
    }

    /** w_i/‖F_i‖ with w_i = e^{θ(q_i − q_max)} (≤ 1, no overflow); 0 for an all-zero row. */
    private double[] rowScale() {
      double qMax = Double.NEGATIVE_INFINITY;
      for (double q : in.quality()) {
        qMax = Math.max(qMax, q);
      }
      double[] inv = GreedyMapInference.inverseNorms(in.features(), m, dim, 1.0);
      double[] s = new double[m];
      for (int i = 0; i < m; i++) {
        s[i] = inv[i] > 0.0 ? Math.exp(theta * (in.quality()[i] - qMax)) * inv[i] : 0.0;
      }
      return s;
    }

    /** Rows per chunk of B. */
    private int chunkRows() {
      return Math.max(1, Math.min(m, CHUNK_ENTRIES / dim));
    }

    /** Writes rows [from, to) of B in double into {@code dst}. */
    private void rowsOfB(int from, int to, double[] dst) {
      float[] f = in.features();
      for (int i = from; i < to; i++) {
        double s = scale[i];
        int src = i * dim;
        int out = (i - from) * dim;
        for (int d = 0; d < dim; d++) {
          dst[out + d] = s * f[src + d];
        }
      }
    }

    /**
     * Upper triangle of C = BᵀB (dual, D×D) or L = BBᵀ (primal, M×M) into {@code a} (row-major).
     */
    private void gram(DoublePointer a, boolean dual, int n) {
      threads(threads);
      a.zero();
      if (!dual) {
        double[] b = new double[m * dim];
        rowsOfB(0, m, b);
        try (DoublePointer pb = new DoublePointer(b)) {
          cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, m, dim, 1.0, pb, dim, 0.0, a, n);
        }
        return;
      }
      int rows = chunkRows();
      double[] b = new double[rows * dim];
      try (DoublePointer pb = new DoublePointer((long) rows * dim)) {
        for (int from = 0; from < m; from += rows) {
          int to = Math.min(m, from + rows);
          rowsOfB(from, to, b);
          pb.put(b, 0, (to - from) * dim);
          cblas_dsyrk(
              CblasRowMajor, CblasUpper, CblasTrans, dim, to - from, 1.0, pb, dim, 1.0, a, n);
        }
      }
    }

    /**
     * Y (M×k, float, row-major): primal, the chosen eigenvectors of L as columns; dual, v̂_n =
     * B·v_n/√λ_n (FnT 2012 section 3.3), computed as Y = B·W with W = V_J·Λ_J^{−1/2} (D×k), chunk
     * by chunk over B's rows.
     */
    private void project(
        FloatPointer y, boolean dual, int n, double[] lambda, double[] vectors, int[] chosen) {
      int kk = chosen.length;
      if (!dual) {
        float[] rows = new float[m * kk];
        for (int i = 0; i < m; i++) {
          for (int c = 0; c < kk; c++) {
            rows[i * kk + c] = (float) vectors[i * n + chosen[c]];
          }
        }
        y.put(rows);
        return;
      }
      float[] w = new float[dim * kk];
      for (int d = 0; d < dim; d++) {
        for (int c = 0; c < kk; c++) {
          w[d * kk + c] = (float) (vectors[d * n + chosen[c]] / Math.sqrt(lambda[chosen[c]]));
        }
      }
      threads(threads);
      int rows = chunkRows();
      float[] b = new float[rows * dim];
      float[] f = in.features();
      try (FloatPointer pw = new FloatPointer(w);
          FloatPointer pb = new FloatPointer((long) rows * dim)) {
        for (int from = 0; from < m; from += rows) {
          int to = Math.min(m, from + rows);
          for (int i = from; i < to; i++) {
            float s = (float) scale[i];
            int src = i * dim;
            int dst = (i - from) * dim;
            for (int d = 0; d < dim; d++) {
              b[dst + d] = s * f[src + d];
            }
          }
          pb.put(b, 0, (to - from) * dim);
          try {
            y.position((long) from * kk);
            cblas_sgemm(
                CblasRowMajor,
                CblasNoTrans,
                CblasNoTrans,
                to - from,
                kk,
                dim,
                1.0f,
                pb,
                dim,
                pw,
                kk,
                0.0f,
                y,
                kk);
          } finally {
            y.position(0);
          }
        }
      }
    }

    /**
     * Sequential sampling of the elementary DPP with kernel Y·Yᵀ (FnT 2012 Alg. 1, phase two) in
     * the k-dimensional coordinates, with stale residual bounds refreshed by sgemm and exact
     * acceptance (see the class comment).
     */
    private final class Elementary {
      private final FloatPointer y;
      private final int m;
      private final int kk;
      private final Random rng;

      /** Stale residual bound per item (0 once picked). */
      private final double[] bound;

      private final Fenwick tree;

      Elementary(FloatPointer y, int m, int kk, Random rng) {
        this.y = y;
        this.m = m;
        this.kk = kk;
        this.rng = rng;
        this.bound = new double[m];
        float[] row = new float[kk];
        for (int i = 0; i < m; i++) {
          read(y, (long) i * kk, row, kk);
          double s = 0.0;
          for (float v : row) {
            s += (double) v * v;
          }
          bound[i] = s;
        }
        this.tree = new Fenwick(bound);
      }

      int[] run() {
        threads(1);
        int[] picked = new int[kk];
        boolean[] taken = new boolean[m];
        float[] row = new float[kk];
        float[] c = new float[kk];
        float[] w = new float[kk];
        double initial = tree.total();
        double atRefresh = initial;
        int lastRefresh = 0;
        long rejectedSince = 0;
        long maxProposals = 64L * kk + 10_000L;
        int t = 0;
        try (FloatPointer u = new FloatPointer((long) kk * kk);
            FloatPointer py = new FloatPointer(kk);
            FloatPointer pc = new FloatPointer(kk);
            FloatPointer pw = new FloatPointer(kk)) {
          while (t < kk) {
            int pending = t - lastRefresh;
            double expected = atRefresh - pending; // Σ_i r_i drops by ‖Y u‖² = 1 per direction
            if (pending > 0
                && (pending >= MAX_BLOCK
                    || tree.total() > 2.0 * Math.max(expected, 0.0)
                    || rejectedSince > 64 + 4L * pending)) {
              refresh(u, lastRefresh, t);
              lastRefresh = t;
              rejectedSince = 0;
              atRefresh = tree.total();
            }
            if (!(tree.total() > 1e-12 * initial) || proposals >= maxProposals) {
              break; // no residual mass left: numerically rank-deficient Y; the fill takes the rest
            }
            proposals++;
            int i = tree.find(rng.nextDouble() * tree.total());
            if (i < 0 || taken[i] || bound[i] <= 0.0) {
              continue; // rounding at a zero-weight boundary; draw again
            }
            read(y, (long) i * kk, row, kk);
            double norm = 0.0;
            for (float v : row) {
              norm += (double) v * v;
            }
            double residual = norm;
            if (t > 0) {
              py.put(row);
              cblas_sgemv(CblasRowMajor, CblasNoTrans, t, kk, 1.0f, u, kk, py, 1, 0.0f, pc, 1);
              pc.get(c, 0, t);
              for (int s = 0; s < t; s++) {
                residual -= (double) c[s] * c[s];
              }
            }
            residual = Math.max(residual, 0.0);
            if (rng.nextDouble() * bound[i] >= residual) {
              tree.add(i, residual - bound[i]);
              bound[i] = residual;
              rejectedSince++;
              continue;
            }
            // Accepted: new direction (y_i − P y_i)/‖·‖, Gram–Schmidt twice.
            System.arraycopy(row, 0, w, 0, kk);
            if (t > 0) {
              pw.put(w);
              cblas_sgemv(CblasRowMajor, CblasTrans, t, kk, -1.0f, u, kk, pc, 1, 1.0f, pw, 1);
              cblas_sgemv(CblasRowMajor, CblasNoTrans, t, kk, 1.0f, u, kk, pw, 1, 0.0f, pc, 1);
              cblas_sgemv(CblasRowMajor, CblasTrans, t, kk, -1.0f, u, kk, pc, 1, 1.0f, pw, 1);
              pw.get(w);
            }
            double len = 0.0;
            for (float v : w) {
              len += (double) v * v;
            }
            len = Math.sqrt(len);
            if (!(len > 0.0)) {
              tree.add(i, -bound[i]);
              bound[i] = 0.0;
              continue;
            }
            for (int d = 0; d < kk; d++) {
              w[d] = (float) (w[d] / len);
            }
            write(u, (long) t * kk, w);
            tree.add(i, -bound[i]);
            bound[i] = 0.0;
            taken[i] = true;
            picked[t++] = i;
          }
        }
        return t == kk ? picked : Arrays.copyOf(picked, t);
      }

      /**
       * r_i −= Σ_{s∈[from,to)} (y_i·u_s)² for every item still free: one sgemm Y·U_{[from,to)}ᵀ by
       * row chunks.
       */
      private void refresh(FloatPointer u, int from, int to) {
        refreshes++;
        long start = System.nanoTime();
        int b = to - from;
        threads(threads);
        int rows = Math.max(1, Math.min(m, CHUNK_ENTRIES / Math.max(b, kk)));
        float[] out = new float[rows * b];
        try (FloatPointer po = new FloatPointer((long) rows * b)) {
          for (int r0 = 0; r0 < m; r0 += rows) {
            int r1 = Math.min(m, r0 + rows);
            try {
              u.position((long) from * kk);
              y.position((long) r0 * kk);
              cblas_sgemm(
                  CblasRowMajor,
                  CblasNoTrans,
                  CblasTrans,
                  r1 - r0,
                  b,
                  kk,
                  1.0f,
                  y,
                  kk,
                  u,
                  kk,
                  0.0f,
                  po,
                  b);
            } finally {
              u.position(0);
              y.position(0);
            }
            po.get(out, 0, (r1 - r0) * b);
            for (int i = r0; i < r1; i++) {
              if (bound[i] <= 0.0) {
                continue;
              }
              double r = bound[i];
              int off = (i - r0) * b;
              for (int s = 0; s < b; s++) {
                double e = out[off + s];
                r -= e * e;
              }
              bound[i] = Math.max(r, 0.0);
            }
          }
        }
        tree.rebuild(bound);
        threads(1);
        refreshNanos += System.nanoTime() - start;
      }
    }
  }

  /**
   * Reads {@code len} floats at element {@code offset} of {@code p}. Offsets go through the
   * pointer's own position, reset afterwards: a JavaCPP view made by the copy constructor shares
   * the original's reference count, so closing it would free the original.
   */
  static void read(FloatPointer p, long offset, float[] dst, int len) {
    try {
      p.position(offset).get(dst, 0, len);
    } finally {
      p.position(0);
    }
  }

  /** Writes {@code src} at element {@code offset} of {@code p} (see {@link #read}). */
  static void write(FloatPointer p, long offset, float[] src) {
    try {
      p.position(offset).put(src, 0, src.length);
    } finally {
      p.position(0);
    }
  }

  /**
   * Fenwick (binary indexed) tree of non-negative weights: O(log M) update and draw by prefix sum.
   */
  static final class Fenwick {
    private final double[] tree;
    private final int n;
    private final int top;

    Fenwick(double[] weights) {
      n = weights.length;
      tree = new double[n + 1];
      top = Integer.highestOneBit(Math.max(1, n));
      rebuild(weights);
    }

    void rebuild(double[] weights) {
      for (int i = 1; i <= n; i++) {
        tree[i] = weights[i - 1];
      }
      for (int i = 1; i <= n; i++) {
        int j = i + (i & -i);
        if (j <= n) {
          tree[j] += tree[i];
        }
      }
    }

    void add(int index, double delta) {
      for (int i = index + 1; i <= n; i += i & -i) {
        tree[i] += delta;
      }
    }

    double total() {
      double s = 0.0;
      for (int i = n; i > 0; i -= i & -i) {
        s += tree[i];
      }
      return s;
    }

    /** The smallest index whose prefix sum exceeds {@code target} (clamped to the last index). */
    int find(double target) {
      int pos = 0;
      for (int step = top; step > 0; step >>= 1) {
        int next = pos + step;
        if (next <= n && tree[next] <= target) {
          pos = next;
          target -= tree[next];
        }
      }
      return Math.min(pos, n - 1);
    }
  }
}

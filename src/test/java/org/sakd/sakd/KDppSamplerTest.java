package org.sakd.sakd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KDppSamplerTest {

  /** Significance floor of the goodness-of-fit tests. */
  private static final double ALPHA = 0.001;

  private static SelectionInput gaussian(int m, int dim, long seed, double qualitySpread) {
    return GreedyDppSelectorTest.gaussian(m, dim, seed, qualitySpread);
  }

  /**
   * {@link #checkKDpp}, printed, and its p-value asserted above {@link #ALPHA}; returns the fit.
   */
  private static double[] assertKDpp(
      String label, SelectionInput in, int k, double gamma, long seed, int draws) {
    double[] fit = checkKDpp(in, k, gamma, seed, draws);
    System.out.printf(
        java.util.Locale.ROOT, "%s: chi2=%.2f df=%.0f p=%.4f%n", label, fit[0], fit[2], fit[1]);
    assertTrue(fit[1] > ALPHA, label + ": chi-square " + fit[0] + " p = " + fit[1]);
    return fit;
  }

  /**
   * L_ij = e^{θq_i}·cos(F_i, F_j)·e^{θq_j}, θ = γ/(2(1−γ)), in double, written independently of the
   * sampler.
   */
  private static double[][] ensemble(SelectionInput in, double gamma) {
    int m = in.samples();
    int dim = in.dim();
    double theta = gamma / (2.0 * (1.0 - gamma));
    double[] norm = new double[m];
    for (int i = 0; i < m; i++) {
      double s = 0;
      for (int d = 0; d < dim; d++) {
        s += (double) in.features()[i * dim + d] * in.features()[i * dim + d];
      }
      norm[i] = Math.sqrt(s);
    }
    double[][] l = new double[m][m];
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < m; j++) {
        if (norm[i] == 0 || norm[j] == 0) {
          continue;
        }
        double s = 0;
        for (int d = 0; d < dim; d++) {
          s += (double) in.features()[i * dim + d] * in.features()[j * dim + d];
        }
        l[i][j] =
            Math.exp(theta * in.quality()[i])
                * s
                / (norm[i] * norm[j])
                * Math.exp(theta * in.quality()[j]);
      }
    }
    return l;
  }

  /** det by Gaussian elimination with partial pivoting. */
  private static double det(double[][] a) {
    int n = a.length;
    double[][] m = new double[n][];
    for (int i = 0; i < n; i++) {
      m[i] = a[i].clone();
    }
    double det = 1;
    for (int c = 0; c < n; c++) {
      int p = c;
      for (int r = c + 1; r < n; r++) {
        if (Math.abs(m[r][c]) > Math.abs(m[p][c])) {
          p = r;
        }
      }
      if (m[p][c] == 0) {
        return 0;
      }
      if (p != c) {
        double[] t = m[p];
        m[p] = m[c];
        m[c] = t;
        det = -det;
      }
      det *= m[c][c];
      for (int r = c + 1; r < n; r++) {
        double f = m[r][c] / m[c][c];
        for (int k = c; k < n; k++) {
          m[r][k] -= f * m[c][k];
        }
      }
    }
    return det;
  }

  private static double[][] minor(double[][] l, int[] s) {
    double[][] out = new double[s.length][s.length];
    for (int a = 0; a < s.length; a++) {
      for (int b = 0; b < s.length; b++) {
        out[a][b] = l[s[a]][s[b]];
      }
    }
    return out;
  }

  /** All k-subsets of {0, …, m−1} in lexicographic order. */
  private static List<int[]> subsets(int m, int k) {
    List<int[]> out = new ArrayList<>();
    int[] s = new int[k];
    for (int i = 0; i < k; i++) {
      s[i] = i;
    }
    while (true) {
      out.add(s.clone());
      int i = k - 1;
      while (i >= 0 && s[i] == m - k + i) {
        i--;
      }
      if (i < 0) {
        return out;
      }
      s[i]++;
      for (int j = i + 1; j < k; j++) {
        s[j] = s[j - 1] + 1;
      }
    }
  }

  private static int mask(int[] ids) {
    int mask = 0;
    for (int i : ids) {
      mask |= 1 << i;
    }
    return mask;
  }

  /**
   * ln Γ(a) for a a positive multiple of 1/2, by Γ(a+1) = aΓ(a) from Γ(1) = 1 or Γ(1/2) = √π (exact
   * recursion).
   */
  static double logGammaHalf(double a) {
    double twice = 2 * a;
    if (twice != Math.rint(twice) || a <= 0) {
      throw new IllegalArgumentException("a must be a positive multiple of 1/2: " + a);
    }
    double x = (((long) twice) % 2 == 0) ? 1.0 : 0.5;
    double log = x == 1.0 ? 0.0 : 0.5 * Math.log(Math.PI);
    for (; x < a - 1e-9; x += 1.0) {
      log += Math.log(x);
    }
    return log;
  }

  /**
   * Regularised upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a): for x &lt; a + 1 from the series
   * P(a, x) = e^{−x} x^a / Γ(a) · Σ_n x^n / (a (a+1) … (a+n)); otherwise from the continued
   * fraction Γ(a, x) = e^{−x} x^a · 1/(x + 1 − a − 1·(1−a)/(x + 3 − a − 2·(2−a)/(x + 5 − a − …))),
   * evaluated by the modified Lentz method. (Standard expansions, e.g. Abramowitz &amp; Stegun
   * 6.5.29 and 6.5.31.)
   */
  static double upperGammaQ(double a, double x) {
    if (x <= 0) {
      return 1.0;
    }
    double logPrefix = -x + a * Math.log(x) - logGammaHalf(a);
    if (x < a + 1) {
      double term = 1.0 / a;
      double sum = term;
      for (int n = 1; n < 10_000; n++) {
        term *= x / (a + n);
        sum += term;
        if (Math.abs(term) < Math.abs(sum) * 1e-16) {
          break;
        }
      }
      return 1.0 - sum * Math.exp(logPrefix);
    }
    double tiny = 1e-300;
    double b = x + 1 - a;
    double c = 1 / tiny;
    double d = 1 / b;
    double h = d;
    for (int i = 1; i < 10_000; i++) {
      double an = -i * (i - a);
      b += 2;
      d = an * d + b;
      if (Math.abs(d) < tiny) {
        d = tiny;
      }
      c = b + an / c;
      if (Math.abs(c) < tiny) {
        c = tiny;
      }
      d = 1 / d;
      double delta = d * c;
      h *= delta;
      if (Math.abs(delta - 1) < 1e-16) {
        break;
      }
    }
    return Math.exp(logPrefix) * h;
  }

  /** p-value of a chi-square statistic with {@code df} degrees of freedom. */
  static double chiSquareP(double statistic, int df) {
    return upperGammaQ(df / 2.0, statistic / 2.0);
  }

  /**
   * Pearson statistic and p over the given cells (expected counts all ≥ 5 here by construction).
   */
  private static double[] goodnessOfFit(long[] observed, double[] probability, long draws) {
    double stat = 0;
    for (int c = 0; c < observed.length; c++) {
      double e = probability[c] * draws;
      stat += (observed[c] - e) * (observed[c] - e) / e;
    }
    return new double[] {stat, chiSquareP(stat, observed.length - 1)};
  }

  /**
   * Draws {@code draws} subsets and checks every k-subset's frequency against det(L_S)/e_k(L) with
   * a chi-square test; returns {statistic, p, degrees of freedom, rejected proposals, refreshes}
   * (the last two summed over the draws).
   */
  private static double[] checkKDpp(SelectionInput in, int k, double gamma, long seed, int draws) {
    double[][] l = ensemble(in, gamma);
    List<int[]> all = subsets(in.samples(), k);
    double[] det = new double[all.size()];
    double ek = 0;
    Map<Integer, Integer> cell = new HashMap<>();
    for (int c = 0; c < all.size(); c++) {
      det[c] = Math.max(0.0, det(minor(l, all.get(c))));
      ek += det[c];
      cell.put(mask(all.get(c)), c);
    }
    double[] p = new double[all.size()];
    for (int c = 0; c < p.length; c++) {
      p[c] = det[c] / ek;
    }
    long[] observed = new long[all.size()];
    Random rng = new Random(seed);
    long rejections = 0;
    long refreshes = 0;
    for (int t = 0; t < draws; t++) {
      KDppSampler.Draw draw = KDppSampler.sample(in, k, gamma, rng);
      int[] s = draw.ids();
      assertEquals(0, draw.timings().filled());
      rejections += draw.timings().proposals() - k;
      refreshes += draw.timings().refreshes();
      assertEquals(k, s.length);
      assertEquals(k, Arrays.stream(s).distinct().count(), "distinct ids");
      observed[cell.get(mask(s))]++;
    }
    // Cells the k-DPP gives (numerically) no mass must never be drawn; the rest enter the test.
    List<Integer> live = new ArrayList<>();
    for (int c = 0; c < p.length; c++) {
      if (p[c] < 1e-12) {
        assertEquals(
            0, observed[c], "a zero-probability subset was drawn: " + Arrays.toString(all.get(c)));
      } else {
        live.add(c);
      }
    }
    // Cells expecting fewer than 5 draws are pooled, with further cells (least likely first) until
    // the pool expects
    // at least 5 (the usual validity rule of the chi-square approximation).
    live.sort((x, y) -> Double.compare(p[x], p[y]));
    List<long[]> obs = new ArrayList<>();
    List<Double> prob = new ArrayList<>();
    long pooledObserved = 0;
    double pooled = 0;
    int c = 0;
    while (c < live.size() && (pooled * draws < 5 || p[live.get(c)] * draws < 5)) {
      pooled += p[live.get(c)];
      pooledObserved += observed[live.get(c)];
      c++;
    }
    if (c > 1) {
      obs.add(new long[] {pooledObserved});
      prob.add(pooled);
    } else {
      c = 0;
    }
    for (; c < live.size(); c++) {
      obs.add(new long[] {observed[live.get(c)]});
      prob.add(p[live.get(c)]);
    }
    long[] o = obs.stream().mapToLong(x -> x[0]).toArray();
    double[] q = prob.stream().mapToDouble(Double::doubleValue).toArray();
    assertTrue(
        Arrays.stream(q).min().orElse(0) * draws >= 5,
        "expected counts too small for the chi-square test");
    double[] fit = goodnessOfFit(o, q, draws);
    return new double[] {fit[0], fit[1], o.length - 1, rejections, refreshes};
  }

  @Test
  void pValueMatchesChiSquareTables() {
    // Upper 5% and 0.1% points of the chi-square distribution (standard tables).
    assertEquals(0.05, chiSquareP(3.841, 1), 2e-4);
    assertEquals(0.05, chiSquareP(18.307, 10), 2e-4);
    assertEquals(0.001, chiSquareP(29.588, 10), 2e-5);
    assertEquals(0.05, chiSquareP(73.311, 55), 3e-4);
    assertEquals(0.001, chiSquareP(93.168, 55), 2e-5);
    assertEquals(0.5, chiSquareP(54.335, 55), 1e-3); // median of chi-square(55)
  }

  @Test
  void everyThreeSubsetOfEightAppearsInProportionToItsDeterminant() {
    // M = 8 > D = 5 (dual space), γ = 0.6 so θ = 0.75 and the quality spread (e^{2θ·2} = 20 between
    // extremes)
    // matters as much as diversity.
    SelectionInput in = gaussian(8, 5, 11L, 2.0);
    assertKDpp("k-DPP M=8 k=3 D=5 gamma=0.6 (dual)", in, 3, 0.6, 1234L, 20_000);
  }

  @Test
  void primalSpaceAndPureDiversityAlsoMatch() {
    // M = 8 ≤ D = 10: L itself is decomposed; γ = 0: the k-DPP of K alone.
    SelectionInput in = gaussian(8, 10, 12L, 1.0);
    assertKDpp("k-DPP M=8 k=3 D=10 gamma=0 (primal)", in, 3, 0.0, 99L, 8_000);
  }

  @Test
  void largerBudgetExercisesRejectionAndRefresh() {
    // k = 5 of 9: the stale bounds are refreshed and proposals rejected along the way; 126 cells.
    SelectionInput in = gaussian(9, 6, 13L, 1.0);
    double[] fit = assertKDpp("k-DPP M=9 k=5 D=6 gamma=0.5 (dual)", in, 5, 0.5, 7L, 8_000);
    assertTrue(fit[3] > 0 && fit[4] > 0, "rejections " + fit[3] + ", refreshes " + fit[4]);
  }

  @Test
  void eigenvectorChoiceFollowsProductOfEigenvalues() {
    double[] lambda = {3.0, 1.0, 0.5, 0.05, 2.0};
    double[] logLambda = Arrays.stream(lambda).map(Math::log).toArray();
    // log e_l^n against the direct sum over subsets.
    double[] e = KDppSampler.logElementary(logLambda, 3);
    for (int l = 0; l <= 3; l++) {
      for (int n = 0; n <= lambda.length; n++) {
        double direct = 0;
        if (l == 0) {
          direct = 1;
        } else if (l <= n) {
          for (int[] s : subsets(n, l)) {
            double p = 1;
            for (int i : s) {
              p *= lambda[i];
            }
            direct += p;
          }
        }
        assertEquals(direct, Math.exp(e[l * (lambda.length + 1) + n]), 1e-12 * Math.max(1, direct));
      }
    }
    List<int[]> pairs = subsets(lambda.length, 2);
    double[] p = new double[pairs.size()];
    double total = 0;
    Map<Integer, Integer> cell = new HashMap<>();
    for (int c = 0; c < p.length; c++) {
      p[c] = lambda[pairs.get(c)[0]] * lambda[pairs.get(c)[1]];
      total += p[c];
      cell.put(mask(pairs.get(c)), c);
    }
    for (int c = 0; c < p.length; c++) {
      p[c] /= total;
    }
    long[] observed = new long[p.length];
    Random rng = new Random(5);
    int draws = 50_000;
    for (int t = 0; t < draws; t++) {
      observed[cell.get(mask(KDppSampler.chooseEigenvectors(logLambda, 2, rng)))]++;
    }
    double[] fit = goodnessOfFit(observed, p, draws);
    assertTrue(fit[1] > ALPHA, "chi-square " + fit[0] + " p = " + fit[1]);
    // Huge and tiny eigenvalues: no overflow or underflow in log space.
    double[] extreme = new double[400];
    for (int i = 0; i < extreme.length; i++) {
      extreme[i] = -40.0 * i / extreme.length * Math.log(10); // λ from 1 down to 1e-40
    }
    int[] chosen = KDppSampler.chooseEigenvectors(extreme, 300, new Random(1));
    assertEquals(300, Arrays.stream(chosen).distinct().count());
  }

  @Test
  void rankDeficientKernelSamplesTheRankDppThenFillsByQuality() {
    // 8 rows in a 2-dimensional subspace of R^4 (small integer coefficients: exact in float), row 7
    // all zero.
    int m = 8;
    int dim = 4;
    float[] basisA = {1, 2, 0, -1};
    float[] basisB = {0, 1, 3, 1};
    int[][] coef = {{1, 0}, {0, 1}, {1, 1}, {2, -1}, {1, 3}, {-1, 2}, {3, 1}, {0, 0}};
    float[] f = new float[m * dim];
    for (int i = 0; i < m; i++) {
      for (int d = 0; d < dim; d++) {
        f[i * dim + d] = coef[i][0] * basisA[d] + coef[i][1] * basisB[d];
      }
    }
    double[] q = {0.1, 0.9, 0.4, 0.7, 0.2, 0.5, 0.8, 0.3};
    SelectionInput in = new SelectionInput(f, m, dim, q);
    double gamma = 0.5;
    double[][] l = ensemble(in, gamma);
    // The first r = 2 picks are an exact 2-DPP draw: chi-square over the 21 pairs of non-zero rows.
    List<int[]> pairs = subsets(7, 2);
    Map<Integer, Integer> cell = new HashMap<>();
    double[] p = new double[pairs.size()];
    double total = 0;
    for (int c = 0; c < p.length; c++) {
      p[c] = det(minor(l, pairs.get(c)));
      total += p[c];
      cell.put(mask(pairs.get(c)), c);
    }
    for (int c = 0; c < p.length; c++) {
      p[c] /= total;
    }
    long[] observed = new long[p.length];
    long[] filledCount = new long[m];
    Random rng = new Random(3);
    int draws = 6_000;
    for (int t = 0; t < draws; t++) {
      KDppSampler.Draw draw = KDppSampler.sample(in, 5, gamma, rng);
      int[] s = draw.ids();
      assertEquals(5, Arrays.stream(s).distinct().count());
      assertEquals(2, draw.timings().rank());
      assertEquals(2, draw.timings().sampled());
      assertEquals(3, draw.timings().filled());
      Integer c = cell.get(mask(new int[] {s[0], s[1]}));
      assertTrue(c != null, "the zero row was sampled by the DPP part: " + Arrays.toString(s));
      observed[c]++;
      for (int i = 2; i < 5; i++) {
        filledCount[s[i]]++;
      }
    }
    double[] fit = goodnessOfFit(observed, p, draws);
    System.out.printf(
        java.util.Locale.ROOT,
        "rank-2 kernel, k=5: 2-DPP part chi2=%.2f df=20 p=%.4f%n",
        fit[0],
        fit[1]);
    assertTrue(fit[1] > ALPHA, "chi-square " + fit[0] + " p = " + fit[1]);
    // The fill favours quality: weight e^{2θq} = e^{q} at γ = 0.5; sample 1 (q 0.9) is filled more
    // often than
    // sample 0 (q 0.1), and the zero row (q 0.3) can be filled.
    assertTrue(filledCount[1] > filledCount[0], Arrays.toString(filledCount));
    assertTrue(filledCount[7] > 0, Arrays.toString(filledCount));
  }

  @Test
  void weightedFillDrawsInProportionToWeightWithoutReplacement() {
    // One pick among {0, 1, 2} (3 taken) with weights e^{2θq}: q = 0, ln 2, ln 3 at 2θ = 1 → 1 : 2
    // : 3.
    double[] q = {0.0, Math.log(2), Math.log(3), 5.0};
    boolean[] taken = {false, false, false, true};
    long[] observed = new long[3];
    Random rng = new Random(8);
    int draws = 30_000;
    for (int t = 0; t < draws; t++) {
      int[] s = KDppSampler.weightedFill(q, 1.0, taken, 1, rng);
      observed[s[0]]++;
    }
    double[] fit = goodnessOfFit(observed, new double[] {1 / 6.0, 2 / 6.0, 3 / 6.0}, draws);
    assertTrue(fit[1] > ALPHA, "chi-square " + fit[0] + " p = " + fit[1]);
    int[] all = KDppSampler.weightedFill(q, 1.0, taken, 3, new Random(1));
    assertEquals(Set.of(0, 1, 2), new HashSet<>(Arrays.asList(all[0], all[1], all[2])));
  }

  @Test
  void sameSeedSameSubsetAtAScaleThatRefreshes() {
    SelectionInput in = gaussian(3_000, 48, 21L, 1.0);
    DppSampleSelector selector = new DppSampleSelector(0.5);
    // k = 200 > D = 48: a 48-DPP (rank 48) then the quality fill.
    int[] a = selector.select(in, 200, new Random(42));
    int[] b = selector.select(in, 200, new Random(42));
    assertArrayEquals(a, b);
    assertEquals(200, Arrays.stream(a).distinct().count());
    assertFalse(Arrays.equals(a, selector.select(in, 200, new Random(43))));
    assertEquals(48, selector.lastTimings().rank());
    // k = 200 < D = 300: the eigenvector choice, then the sequential draw with its refreshes.
    SelectionInput wide = gaussian(1_500, 300, 22L, 1.0);
    int[] c = selector.select(wide, 200, new Random(7));
    assertArrayEquals(c, selector.select(wide, 200, new Random(7)));
    assertEquals(200, Arrays.stream(c).distinct().count());
    KDppSampler.Timings t = selector.lastTimings();
    assertEquals(200, t.sampled());
    assertEquals(0, t.filled());
    assertTrue(t.refreshes() >= 1 && t.proposals() > 200, t.toString());
  }

  @Test
  void budgetIsChecked() {
    SelectionInput in = gaussian(8, 5, 1L, 1.0);
    DppSampleSelector selector = new DppSampleSelector(0.5);
    assertThrows(IllegalArgumentException.class, () -> selector.select(in, 0, new Random(1)));
    assertThrows(IllegalArgumentException.class, () -> selector.select(in, 9, new Random(1)));
    assertThrows(IllegalArgumentException.class, () -> selector.select(null, 1, new Random(1)));
    assertThrows(IllegalArgumentException.class, () -> new DppSampleSelector(1.5));
    assertThrows(IllegalArgumentException.class, () -> new DppSampleSelector(-0.1));
    int[] one = selector.select(in, 1, new Random(1));
    assertEquals(1, one.length);
    int[] all = selector.select(in, 8, new Random(1)); // k = M > rank 5: 5-DPP + 3 filled
    assertEquals(
        Set.of(0, 1, 2, 3, 4, 5, 6, 7), new HashSet<>(Arrays.stream(all).boxed().toList()));
    assertEquals(5, selector.lastTimings().sampled());
  }

  @Test
  void allZeroRowsSpanNothing() {
    SelectionInput base = gaussian(8, 5, 4L, 1.0);
    float[] f = base.features().clone();
    for (int zero : new int[] {2, 5}) {
      Arrays.fill(f, zero * 5, zero * 5 + 5, 0f);
    }
    SelectionInput in = new SelectionInput(f, 8, 5, base.quality());
    Random rng = new Random(10);
    for (int t = 0; t < 2_000; t++) {
      int[] s = new DppSampleSelector(0.5).select(in, 3, rng);
      for (int id : s) {
        assertTrue(id != 2 && id != 5, "a zero row has no DPP mass: " + Arrays.toString(s));
      }
    }
    // Every row zero: rank 0, the whole budget comes from the quality fill.
    SelectionInput zeros = new SelectionInput(new float[8 * 5], 8, 5, base.quality());
    KDppSampler.Draw draw = KDppSampler.sample(zeros, 4, 0.5, new Random(2));
    assertEquals(0, draw.timings().rank());
    assertEquals(4, draw.timings().filled());
    assertEquals(4, Arrays.stream(draw.ids()).distinct().count());
  }

  @Test
  void gammaOneIsTopKAndRegistryNames() {
    SelectionInput in = gaussian(50, 8, 6L, 1.0);
    assertArrayEquals(
        TopKSelector.topK(in.quality(), 7),
        new DppSampleSelector(1.0).select(in, 7, new Random(1)));
    assertArrayEquals(
        new GreedyDppSelector(1.0).select(in, 7, new Random(1)),
        new DppSampleSelector(1.0).select(in, 7, new Random(2)));
    assertTrue(
        Selectors.create("dpp-sample", 0.5, 10, 8) instanceof DppSampleSelector, "runs globally");
    assertTrue(Selectors.create("dpp-greedy", 0.5, 10, 8) instanceof PartitionedSelector);
    assertTrue(Selectors.create("dpp", 0.5, 10, 8) instanceof PartitionedSelector);
    for (SelectorKind kind : SelectorKind.values()) {
      Selectors.create(kind.configName(), 0.5, 10, 8);
      for (String alias : kind.aliases()) {
        Selectors.create(alias, 0.5, 10, 8);
      }
    }
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Selectors.create("additive", 0.5, 10, 8));
    assertTrue(
        e.getMessage().contains("dpp-sample, dpp-greedy, dpp, dpp-additive"), e.getMessage());
  }

  @Test
  void fenwickFindsByPrefixSum() {
    double[] w = {0.0, 2.0, 0.0, 1.0, 3.0};
    KDppSampler.Fenwick tree = new KDppSampler.Fenwick(w);
    assertEquals(6.0, tree.total(), 1e-12);
    assertEquals(1, tree.find(0.0));
    assertEquals(1, tree.find(1.999));
    assertEquals(3, tree.find(2.0));
    assertEquals(4, tree.find(3.5));
    tree.add(4, -3.0);
    assertEquals(3, tree.find(2.5));
    assertEquals(3.0, tree.total(), 1e-12);
  }
}

package org.sakd.sakd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

class GreedyDppSelectorTest {

  private static final double EPS = 1e-6;

  private static SelectionInput gaussian(int m, int dim, long seed) {
    return gaussian(m, dim, seed, 1.0);
  }

  /**
   * m Gaussian feature rows of width dim and qualities uniform in [0, spread), from one seeded
   * stream.
   */
  static SelectionInput gaussian(int m, int dim, long seed, double qualitySpread) {
    Random rng = new Random(seed);
    float[] f = new float[m * dim];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) rng.nextGaussian();
    }
    double[] q = new double[m];
    for (int i = 0; i < m; i++) {
      q[i] = qualitySpread * rng.nextDouble();
    }
    return new SelectionInput(f, m, dim, q);
  }

  /** Cosine similarity in double, written independently of the selector. */
  private static double[][] cosine(SelectionInput in) {
    int m = in.samples();
    int dim = in.dim();
    double[][] k = new double[m][m];
    double[] norm = new double[m];
    for (int i = 0; i < m; i++) {
      double s = 0;
      for (int d = 0; d < dim; d++) {
        s += (double) in.features()[i * dim + d] * in.features()[i * dim + d];
      }
      norm[i] = Math.sqrt(s);
    }
    for (int i = 0; i < m; i++) {
      for (int j = 0; j < m; j++) {
        double s = 0;
        for (int d = 0; d < dim; d++) {
          s += (double) in.features()[i * dim + d] * in.features()[j * dim + d];
        }
        k[i][j] = i == j ? 1.0 : s / (norm[i] * norm[j]);
      }
    }
    return k;
  }

  /** log det by a plain Cholesky recomputed from scratch. */
  private static double logDet(double[][] a) {
    int n = a.length;
    double[][] l = new double[n][n];
    double sum = 0;
    for (int i = 0; i < n; i++) {
      for (int j = 0; j <= i; j++) {
        double s = a[i][j];
        for (int p = 0; p < j; p++) {
          s -= l[i][p] * l[j][p];
        }
        if (i == j) {
          l[i][i] = Math.sqrt(s);
          sum += Math.log(s);
        } else {
          l[i][j] = s / l[j][j];
        }
      }
    }
    return sum;
  }

  private static double multiplicativeObjective(
      double[][] k, double[] q, double gamma, List<Integer> s) {
    double[][] sub = new double[s.size()][s.size()];
    double quality = 0;
    for (int a = 0; a < s.size(); a++) {
      quality += q[s.get(a)];
      for (int b = 0; b < s.size(); b++) {
        sub[a][b] = k[s.get(a)][s.get(b)] + (a == b ? EPS : 0);
      }
    }
    return gamma * quality + (1 - gamma) * logDet(sub);
  }

  private static double additiveObjective(double[][] k, double[] q, double gamma, List<Integer> s) {
    double[][] sub = new double[s.size()][s.size()];
    for (int a = 0; a < s.size(); a++) {
      for (int b = 0; b < s.size(); b++) {
        sub[a][b] =
            (1 - gamma) * (k[s.get(a)][s.get(b)] + (a == b ? EPS : 0))
                + (a == b ? gamma * q[s.get(a)] : 0);
      }
    }
    return logDet(sub);
  }

  /**
   * Greedy by brute force: each step re-evaluates the objective of S ∪ {i} for every i; ties to the
   * lower id.
   */
  private static int[] bruteGreedy(int m, int k, ToDoubleFunction<List<Integer>> objective) {
    List<Integer> s = new ArrayList<>();
    for (int step = 0; step < k; step++) {
      int best = -1;
      double bestValue = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < m; i++) {
        if (s.contains(i)) {
          continue;
        }
        s.add(i);
        double v = objective.applyAsDouble(s);
        s.remove(s.size() - 1);
        if (v > bestValue) {
          bestValue = v;
          best = i;
        }
      }
      s.add(best);
    }
    return s.stream().mapToInt(Integer::intValue).toArray();
  }

  @Test
  void greedyEqualsBruteForceGreedy() {
    for (long seed = 1; seed <= 12; seed++) {
      Random r = new Random(seed);
      int m = 10 + r.nextInt(31);
      int dim = 4 + r.nextInt(12);
      int k = 1 + r.nextInt(Math.min(dim, m) - 1);
      double gamma = new double[] {0.0, 0.3, 0.5, 0.8}[r.nextInt(4)];
      SelectionInput in = gaussian(m, dim, seed);
      double[][] kernel = cosine(in);
      int[] expected =
          bruteGreedy(m, k, s -> multiplicativeObjective(kernel, in.quality(), gamma, s));
      int[] actual = new GreedyDppSelector(gamma).select(in, k, new Random(0));
      assertArrayEquals(
          expected, actual, "seed " + seed + " m=" + m + " dim=" + dim + " k=" + k + " γ=" + gamma);
      List<Integer> s = Arrays.stream(actual).boxed().toList();
      assertEquals(
          multiplicativeObjective(kernel, in.quality(), gamma, s),
          Selectors.objective(in, actual, gamma),
          1e-6);
    }
  }

  @Test
  void additiveEqualsBruteForceGreedy() {
    for (long seed = 20; seed <= 27; seed++) {
      Random r = new Random(seed);
      int m = 10 + r.nextInt(31);
      int dim = 3 + r.nextInt(10);
      int k = 1 + r.nextInt(Math.min(m, 15));
      double gamma = new double[] {0.2, 0.5, 0.9}[r.nextInt(3)];
      SelectionInput in = gaussian(m, dim, seed);
      double[][] kernel = cosine(in);
      int[] expected = bruteGreedy(m, k, s -> additiveObjective(kernel, in.quality(), gamma, s));
      assertArrayEquals(
          expected, new AdditiveDppSelector(gamma).select(in, k, new Random(0)), "seed " + seed);
    }
  }

  @Test
  void eachPickIsTheBestExtensionAndGainsDiminish() {
    SelectionInput in = gaussian(40, 12, 99);
    double gamma = 0.5;
    double[][] kernel = cosine(in);
    int[] picks = new GreedyDppSelector(gamma).select(in, 10, new Random(0));
    List<Integer> s = new ArrayList<>();
    double previousValue = 0;
    double previousGain = Double.POSITIVE_INFINITY;
    for (int pick : picks) {
      double bestOther = Double.NEGATIVE_INFINITY;
      for (int i = 0; i < 40; i++) {
        if (!s.contains(i)) {
          s.add(i);
          bestOther = Math.max(bestOther, multiplicativeObjective(kernel, in.quality(), gamma, s));
          s.remove(s.size() - 1);
        }
      }
      s.add(pick);
      double value = multiplicativeObjective(kernel, in.quality(), gamma, s);
      assertEquals(
          bestOther, value, 1e-9, "the greedy path must take the best one-sample extension");
      double gain = value - previousValue;
      assertTrue(gain <= previousGain + 1e-9, "marginal gains must not increase (submodularity)");
      previousGain = gain;
      previousValue = value;
    }
  }

  @Test
  void pureDiversityCoversEveryClusterFirst() {
    int clusters = 6;
    int perCluster = 30;
    int dim = 16;
    Random rng = new Random(5);
    float[][] centres = new float[clusters][dim];
    for (float[] c : centres) {
      for (int d = 0; d < dim; d++) {
        c[d] = (float) rng.nextGaussian() * 10;
      }
    }
    int m = clusters * perCluster;
    float[] f = new float[m * dim];
    double[] q = new double[m];
    for (int i = 0; i < m; i++) {
      for (int d = 0; d < dim; d++) {
        f[i * dim + d] = centres[i % clusters][d] + (float) rng.nextGaussian() * 0.5f;
      }
      q[i] = rng.nextDouble();
    }
    int[] picks =
        new GreedyDppSelector(0.0)
            .select(new SelectionInput(f, m, dim, q), clusters, new Random(0));
    Set<Integer> covered = new HashSet<>();
    for (int p : picks) {
      covered.add(p % clusters);
    }
    assertEquals(
        clusters,
        covered.size(),
        "first k picks must hit all k clusters: " + Arrays.toString(picks));
  }

  @Test
  void gammaOneIsTopK() {
    SelectionInput in = gaussian(50, 8, 3);
    int[] top = new TopKSelector().select(in, 7, new Random(0));
    assertArrayEquals(top, new GreedyDppSelector(1.0).select(in, 7, new Random(0)));
    double[] q = in.quality().clone();
    Arrays.sort(q);
    for (int i = 0; i < 7; i++) {
      assertEquals(q[49 - i], in.quality()[top[i]]);
    }
  }

  @Test
  void budgetIsFilledByQualityOnceTheRankIsUsedUp() {
    int dim = 5;
    SelectionInput in = gaussian(30, dim, 8);
    int k = 12;
    int[] picks = new GreedyDppSelector(0.5).select(in, k, new Random(0));
    assertEquals(k, Arrays.stream(picks).distinct().count());
    // The first dim picks span the feature space; the rest are the best remaining by quality.
    Set<Integer> first = new HashSet<>();
    for (int i = 0; i < dim; i++) {
      first.add(picks[i]);
    }
    boolean[] excluded = new boolean[30];
    first.forEach(i -> excluded[i] = true);
    int[] fill = Ranking.descending(in.quality(), excluded, k - dim);
    assertArrayEquals(fill, Arrays.copyOfRange(picks, dim, k));
    // The objective stays finite with the ridge even though K_S is singular.
    assertTrue(Double.isFinite(Selectors.objective(in, picks, 0.5)));
    assertEquals(k, new AdditiveDppSelector(0.5).select(in, k, new Random(0)).length);
  }

  @Test
  void zeroFeatureRowsAreNeverPickedForDiversity() {
    float[] f = {1, 0, 0, 0, 0, 1, 0, 0, 1, 1};
    double[] q = {0.1, 0.9, 0.2, 0.3, 0.4};
    int[] picks =
        new GreedyDppSelector(0.5).select(new SelectionInput(f, 5, 2, q), 4, new Random(0));
    assertEquals(4, Arrays.stream(picks).distinct().count());
    assertTrue(
        picks[0] != 1 && picks[1] != 1,
        "the zero row adds no direction: " + Arrays.toString(picks));
  }

  @Test
  void partitionedReachesNinetyFivePercentOfGlobal() {
    SelectionInput in = gaussian(5000, 64, 42);
    int k = 30;
    double gamma = 0.5;
    int[] global = new GreedyDppSelector(gamma).select(in, k, new Random(1));
    int[] part =
        new PartitionedSelector(new GreedyDppSelector(gamma), 5, 1000).select(in, k, new Random(1));
    assertEquals(k, Arrays.stream(part).distinct().count());
    double g = Selectors.objective(in, global, gamma);
    double p = Selectors.objective(in, part, gamma);
    double r = Selectors.objective(in, new RandomSelector().select(in, k, new Random(1)), gamma);
    assertTrue(
        g > 0, "instance must have a positive objective for a ratio to mean something: " + g);
    assertTrue(p >= 0.95 * g, "partitioned " + p + " vs global " + g);
    assertTrue(g > r && p > r, "both beat random (" + r + ")");
  }

  @Test
  void partitionedDelegatesAtOrBelowThreshold() {
    SelectionInput in = gaussian(60, 6, 4);
    assertArrayEquals(
        new GreedyDppSelector(0.5).select(in, 5, new Random(0)),
        new PartitionedSelector(new GreedyDppSelector(0.5), 4, 60).select(in, 5, new Random(0)));
  }

  @Test
  void randomIsUniformSeededAndDistinct() {
    SelectionInput in = gaussian(100, 2, 1);
    int[] a = new RandomSelector().select(in, 20, new Random(3));
    assertArrayEquals(a, new RandomSelector().select(in, 20, new Random(3)));
    assertEquals(20, Arrays.stream(a).distinct().count());
    int[] hits = new int[100];
    Random rng = new Random(4);
    for (int rep = 0; rep < 2000; rep++) {
      for (int i : new RandomSelector().select(in, 20, rng)) {
        hits[i]++;
      }
    }
    for (int h : hits) {
      assertTrue(h > 300 && h < 500, "each sample expected 400 times, got " + h);
    }
  }

  @Test
  void registryBudgetAndValidation() {
    assertEquals(954, Selectors.budget(0.10, 9537));
    assertEquals(23462, Selectors.budget(0.10, 234619));
    assertEquals(1, Selectors.budget(0.10, 3));
    assertEquals(25000, Selectors.budget(0.5, 50000));
    assertThrows(IllegalArgumentException.class, () -> Selectors.budget(0.0, 10));
    assertTrue(Selectors.create("dpp", 0.5, 50000, 8) instanceof PartitionedSelector);
    assertTrue(Selectors.create("random", 0.5, 50000, 8) instanceof RandomSelector);
    assertTrue(Selectors.create("topk", 0.5, 50000, 8) instanceof TopKSelector);
    assertTrue(Selectors.create("dpp-additive", 0.5, 50000, 8) instanceof PartitionedSelector);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> Selectors.create("kmeans", 0.5, 50000, 8));
    assertTrue(e.getMessage().contains("dpp, dpp-additive, random, topk"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new GreedyDppSelector(1.5));
    assertThrows(
        IllegalArgumentException.class,
        () -> new GreedyDppSelector(0.5).select(gaussian(5, 2, 1), 6, new Random(0)));
  }
}

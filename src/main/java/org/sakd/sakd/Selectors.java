package org.sakd.sakd;

import java.util.stream.IntStream;

/**
 * Registry of subset selectors by config name, the selection budget and the DPP objective
 * (METHOD.md section 5).
 */
public final class Selectors {

  /** Ridge ε on K's diagonal (Decision, METHOD.md section 5). */
  public static final double RIDGE = 1e-6;

  private Selectors() {}

  /**
   * Builds the selector for a config name; the greedy diversity selectors are wrapped in a {@link
   * PartitionedSelector} that takes over above {@code partitionThreshold} samples. {@code
   * dpp-sample} (exact k-DPP sampling, {@link DppSampleSelector}) always runs globally: its
   * dual-space cost is linear in the sample count, and sharding would change the distribution it
   * samples.
   */
  public static SubsetSelector create(
      String name, double gamma, int partitionThreshold, int shards) {
    return create(SelectorKind.parse(name), gamma, partitionThreshold, shards);
  }

  /** Builds the selector of one kind (see {@link #create(String, double, int, int)}). */
  public static SubsetSelector create(
      SelectorKind kind, double gamma, int partitionThreshold, int shards) {
    SubsetSelector base =
        switch (kind) {
          case DPP_GREEDY -> new GreedyDppSelector(gamma);
          case DPP_SAMPLE -> new DppSampleSelector(gamma);
          case DPP_ADDITIVE -> new AdditiveDppSelector(gamma);
          case RANDOM -> new RandomSelector();
          case TOPK -> new TopKSelector();
        };
    if (base instanceof RandomSelector
        || base instanceof TopKSelector
        || base instanceof DppSampleSelector) {
      return base;
    }
    return new PartitionedSelector(base, shards, partitionThreshold);
  }

  /** Budget k = round(r·N_train), at least 1 (r = 0.10 for video, 0.50 for images). */
  public static int budget(double ratio, int nTrain) {
    if (!(ratio > 0.0 && ratio <= 1.0)) {
      throw new IllegalArgumentException("selection ratio must be in (0, 1], got " + ratio);
    }
    if (nTrain < 1) {
      throw new IllegalArgumentException("training set size must be >= 1, got " + nTrain);
    }
    return (int) Math.max(1L, Math.min(nTrain, Math.round(ratio * nTrain)));
  }

  /**
   * γ·Σ_{i∈S} q_i + (1−γ)·log det(K_S + εI), K the cosine similarity of the features (an all-zero
   * row has similarity 0 with everything). For |S| > D it uses Sylvester's identity, det(F_S F_Sᵀ +
   * εI_k) = ε^{k−D}·det(F_Sᵀ F_S + εI_D), so the cost is min(k, D)²·max(k, D)/2.
   */
  public static double objective(SelectionInput in, int[] subset, double gamma) {
    checkGamma(gamma);
    double quality = 0.0;
    for (int i : subset) {
      quality += in.quality()[i];
    }
    if (gamma == 1.0) {
      return quality;
    }
    return gamma * quality + (1.0 - gamma) * logDetRidged(in, subset);
  }

  /** log det(K_S + εI). */
  static double logDetRidged(SelectionInput in, int[] subset) {
    int k = subset.length;
    int dim = in.dim();
    double[] inv = GreedyMapInference.inverseNorms(in.features(), in.samples(), dim, 1.0);
    float[] f = in.features();
    if (k <= dim) {
      double[][] gram = new double[k][k];
      IntStream.range(0, k)
          .parallel()
          .forEach(
              a -> {
                for (int b = 0; b < a; b++) {
                  gram[a][b] =
                      Kernels.dot(f, subset[a] * dim, f, subset[b] * dim, dim)
                          * inv[subset[a]]
                          * inv[subset[b]];
                }
                gram[a][a] =
                    (inv[subset[a]] > 0.0 ? 1.0 : 0.0) + RIDGE; // cos(F_i, F_i) = 1 exactly
              });
      return Cholesky.logDet(gram);
    }
    double[][] cov = new double[dim][dim];
    IntStream.range(0, dim)
        .parallel()
        .forEach(
            a -> {
              double[] row = cov[a];
              for (int i : subset) {
                double xa = f[i * dim + a] * inv[i];
                if (xa == 0.0) {
                  continue;
                }
                int off = i * dim;
                for (int b = 0; b <= a; b++) {
                  row[b] += xa * f[off + b] * inv[i];
                }
              }
              row[a] += RIDGE;
            });
    return (k - dim) * Math.log(RIDGE) + Cholesky.logDet(cov);
  }

  static double checkGamma(double gamma) {
    if (!(gamma >= 0.0 && gamma <= 1.0)) {
      throw new IllegalArgumentException(
          "quality/diversity trade-off gamma must be in [0, 1], got " + gamma);
    }
    return gamma;
  }
}

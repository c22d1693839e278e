package org.sakd.sakd;

import java.util.Random;

/**
 * SAKD's subset selection (METHOD.md section 5, Decision): maximise γ·Σ_{i∈S} q_i + (1−γ)·log det
 * K_S with the L-ensemble L = Diag(e^{θq})·K·Diag(e^{θq}), θ = γ/(2(1−γ)), K_ij = cos(F_i, F_j).
 * Since log det L_S = log det K_S + 2θ·Σ_S q, the greedy gain of i is 2θ·q_i + log r_i with r_i the
 * Schur residual of K, so the greedy runs on the well-scaled K and carries the quality as a log
 * weight (no overflow of e^{θq} for γ near 1). γ = 1 is top-k by q.
 *
 * <p>Fast greedy MAP inference (Chen, Zhang &amp; Zhou, NeurIPS 2018) via {@link
 * GreedyMapInference}: O(M·D·k) time at worst, O(D·k + M) memory. The ridge ε of the Decision
 * enters {@link Selectors#objective} (it keeps log det K_S finite); the greedy's rank test uses K's
 * own residuals, since with the ridge every residual stays ≥ ε and "rank used up" (residual ≤ 1e-9)
 * could never be seen; the rest of the budget is then filled by q.
 */
public final class GreedyDppSelector implements SubsetSelector {

  private final double gamma;

  public GreedyDppSelector(double gamma) {
    this.gamma = Selectors.checkGamma(gamma);
  }

  public double gamma() {
    return gamma;
  }

  @Override
  public int[] select(SelectionInput in, int k, Random rng) {
    SubsetSelector.checkBudget(in, k);
    if (gamma == 1.0) {
      return TopKSelector.topK(in.quality(), k);
    }
    double qualityWeight = gamma / (1.0 - gamma); // 2θ
    double[] logWeight = new double[in.samples()];
    for (int i = 0; i < logWeight.length; i++) {
      logWeight[i] = qualityWeight * in.quality()[i];
    }
    double[] scale = GreedyMapInference.inverseNorms(in.features(), in.samples(), in.dim(), 1.0);
    double[] diag = new double[in.samples()];
    for (int i = 0; i < diag.length; i++) {
      diag[i] =
          scale[i] > 0.0 ? 1.0 : 0.0; // K_ii = cos(F_i, F_i) = 1; an all-zero row spans nothing
    }
    return GreedyMapInference.select(
        in.features(), in.samples(), in.dim(), scale, diag, logWeight, in.quality(), k, in.dim());
  }

  @Override
  public String toString() {
    return "dpp(gamma=" + gamma + ")";
  }
}

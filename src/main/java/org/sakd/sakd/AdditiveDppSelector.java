package org.sakd.sakd;

import java.util.Random;

/**
 * The published code's kernel, offered for comparison (METHOD.md section 5): greedy MAP inference
 * on L = (1−γ)·(K + εI) + γ·Diag(q). Off the diagonal L is the scaled cosine kernel, so the same
 * low-rank greedy applies with g_i = √(1−γ)·F_i/‖F_i‖ and the diagonal term δ_i = (1−γ)ε + γ·q_i.
 */
public final class AdditiveDppSelector implements SubsetSelector {

  private final double gamma;

  public AdditiveDppSelector(double gamma) {
    this.gamma = Selectors.checkGamma(gamma);
  }

  @Override
  public int[] select(SelectionInput in, int k, Random rng) {
    SubsetSelector.checkBudget(in, k);
    int m = in.samples();
    double[] scale =
        GreedyMapInference.inverseNorms(in.features(), m, in.dim(), Math.sqrt(1.0 - gamma));
    double[] diag = new double[m];
    for (int i = 0; i < m; i++) {
      double cosine = scale[i] > 0.0 ? 1.0 : 0.0;
      diag[i] = (1.0 - gamma) * (cosine + Selectors.RIDGE) + gamma * in.quality()[i];
    }
    return GreedyMapInference.select(
        in.features(), m, in.dim(), scale, diag, new double[m], in.quality(), k, m);
  }

  @Override
  public String toString() {
    return "dpp-additive(gamma=" + gamma + ")";
  }
}

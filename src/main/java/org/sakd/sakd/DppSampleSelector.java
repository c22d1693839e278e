package org.sakd.sakd;

import java.util.Random;

/**
 * {@code dpp-sample}: draws the subset from the k-DPP of SAKD's quality-weighted L-ensemble L =
 * Diag(e^{θq})·K·Diag(e^{θq}), θ = γ/(2(1−γ)), K_ij = cos(F_i, F_j) — the same L as the greedy
 * ({@link GreedyDppSelector}, {@code dpp-greedy}), sampled instead of maximised (METHOD.md section
 * 5, "k-DPP sampling"). γ = 1 is top-k by q (as in the greedy); γ = 0 is the pure-diversity k-DPP
 * on K. See {@link KDppSampler} for the algorithm, the rule when k exceeds rank(L) (an exact r-DPP,
 * then a quality-weighted fill without replacement) and the cost.
 *
 * <p>It runs globally at every scale, never through {@link PartitionedSelector}: the dual D×D space
 * keeps the cost at O(M·D² + D³ + M·k·min(k, D)), linear in M, and GreeDi's shard-then-union scheme
 * is a device for maximisation that would change the sampled distribution. All randomness comes
 * from the caller's {@link Random}.
 */
public final class DppSampleSelector implements SubsetSelector {

  private final double gamma;
  private volatile KDppSampler.Timings lastTimings;

  public DppSampleSelector(double gamma) {
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
    KDppSampler.Draw draw = KDppSampler.sample(in, k, gamma, rng);
    lastTimings = draw.timings();
    return draw.ids();
  }

  /** Phase timings of the latest draw (null before the first, or when γ = 1). */
  public KDppSampler.Timings lastTimings() {
    return lastTimings;
  }

  @Override
  public String toString() {
    return "dpp-sample(gamma=" + gamma + ")";
  }
}

package org.sakd.sakd;

/**
 * Per-sample distillation strength α (METHOD.md section 4): α = q on the first round, then the
 * history-weighted α ← λ·α + (1−λ)·s(n)·q, with q the direction-adjusted score ({@link Direction})
 * and s(n) the scale of the chosen {@link AlphaForm} (the published code's s(n) = β(n) keeps early
 * rounds close to CE).
 */
public final class DistillationStrength {

  /** History weight λ, the paper's best value. */
  public static final double DEFAULT_LAMBDA = 0.1;

  private DistillationStrength() {}

  /**
   * Returns the new α; {@code previousAlpha} is null on the first round; {@code strength} is s(n) ∈
   * [0, 1].
   */
  public static float[] update(float[] previousAlpha, double[] q, double strength, double lambda) {
    if (q == null || q.length == 0) {
      throw new IllegalArgumentException("quality scores q must hold at least one sample");
    }
    if (!(lambda >= 0.0 && lambda <= 1.0)) {
      throw new IllegalArgumentException("history weight lambda must be in [0, 1], got " + lambda);
    }
    if (!(strength >= 0.0 && strength <= 1.0)) {
      throw new IllegalArgumentException("strength s(n) must be in [0, 1], got " + strength);
    }
    if (previousAlpha != null && previousAlpha.length != q.length) {
      throw new IllegalArgumentException(
          "previous alpha has " + previousAlpha.length + " samples, q has " + q.length);
    }
    float[] alpha = new float[q.length];
    for (int i = 0; i < q.length; i++) {
      alpha[i] =
          previousAlpha == null
              ? (float) q[i]
              : (float) (lambda * previousAlpha[i] + (1.0 - lambda) * strength * q[i]);
    }
    return alpha;
  }
}

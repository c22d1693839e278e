package org.sakd.sakd;

/**
 * Per-sample distillation strength α (METHOD.md section 4): α = d on the first round, then the history-weighted
 * α ← λ·α + (1−λ)·β(n)·d, so early rounds (small β) keep the loss close to CE and α grows with the schedule.
 */
public final class DistillationStrength {

  /** History weight λ, the paper's best value. */
  public static final double DEFAULT_LAMBDA = 0.1;

  private DistillationStrength() {}

  /** Returns the new α; {@code previousAlpha} is null on the first round. */
  public static float[] update(float[] previousAlpha, double[] d, double beta, double lambda) {
    if (d == null || d.length == 0) {
      throw new IllegalArgumentException("difficulty scores d must hold at least one sample");
    }
    if (!(lambda >= 0.0 && lambda <= 1.0)) {
      throw new IllegalArgumentException("history weight lambda must be in [0, 1], got " + lambda);
    }
    if (!(beta >= 0.0 && beta <= 1.0)) {
      throw new IllegalArgumentException("interruption rate beta must be in [0, 1], got " + beta);
    }
    if (previousAlpha != null && previousAlpha.length != d.length) {
      throw new IllegalArgumentException("previous alpha has " + previousAlpha.length + " samples, d has " + d.length);
    }
    float[] alpha = new float[d.length];
    for (int i = 0; i < d.length; i++) {
      alpha[i] = previousAlpha == null
          ? (float) d[i]
          : (float) (lambda * previousAlpha[i] + (1.0 - lambda) * beta * d[i]);
    }
    return alpha;
  }
}

package org.sakd.sakd;

/**
 * Distillation difficulty d_i (METHOD.md section 2): the per-sample KD term ℓ_i under interruption,
 * weighted by a selection prior that favours rarely chosen samples, min-max normalised to [0, 1]. A
 * high d_i means the sample is easy to transfer (much teacher knowledge the student can still
 * take).
 */
public final class DifficultyScores {

  private DifficultyScores() {}

  /** p_i = (1/(c_i+1)) / Σ_j 1/(c_j+1), c_i = number of earlier rounds that selected sample i. */
  public static double[] prior(int[] counts) {
    if (counts == null || counts.length == 0) {
      throw new IllegalArgumentException("selection counts must hold at least one sample");
    }
    double[] p = new double[counts.length];
    double sum = 0.0;
    for (int i = 0; i < counts.length; i++) {
      if (counts[i] < 0) {
        throw new IllegalArgumentException(
            "selection count of sample " + i + " is negative: " + counts[i]);
      }
      p[i] = 1.0 / (counts[i] + 1.0);
      sum += p[i];
    }
    for (int i = 0; i < p.length; i++) {
      p[i] /= sum;
    }
    return p;
  }

  /**
   * d_i = (u_i − min u)/(max u − min u) with u_i = ℓ_i·p_i; all u equal (or one sample) gives 0.5
   * everywhere.
   */
  public static double[] normalise(double[] kdTerms, int[] counts) {
    if (kdTerms == null || counts == null || kdTerms.length != counts.length) {
      throw new IllegalArgumentException(
          "need one KD term per sample: "
              + (kdTerms == null ? "null" : kdTerms.length)
              + " KD terms for "
              + (counts == null ? "null" : counts.length)
              + " selection counts");
    }
    double[] p = prior(counts);
    double[] u = new double[kdTerms.length];
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (int i = 0; i < u.length; i++) {
      if (!Double.isFinite(kdTerms[i])) {
        throw new IllegalArgumentException(
            "KD term of sample " + i + " is not finite: " + kdTerms[i]);
      }
      u[i] = kdTerms[i] * p[i];
      min = Math.min(min, u[i]);
      max = Math.max(max, u[i]);
    }
    double range = max - min;
    for (int i = 0; i < u.length; i++) {
      // range > 0 but tiny still divides cleanly; the clamp only absorbs the last rounding bit.
      u[i] = range > 0.0 ? Math.min(1.0, Math.max(0.0, (u[i] - min) / range)) : 0.5;
    }
    return u;
  }
}

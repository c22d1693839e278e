package org.sakd.sakd;

/**
 * What a subset selector sees: fused features (samples × dim, row-major, not copied — selectors
 * only read them) and one quality score per sample (q_i = d_i, METHOD.md section 5).
 */
public record SelectionInput(float[] features, int samples, int dim, double[] quality) {

  public SelectionInput {
    if (samples < 1 || dim < 1) {
      throw new IllegalArgumentException(
          "selection input needs samples >= 1 and dim >= 1, got " + samples + "×" + dim);
    }
    if (features == null || features.length != (long) samples * dim) {
      throw new IllegalArgumentException(
          "features length "
              + (features == null ? "null" : features.length)
              + " does not match samples×dim = "
              + samples
              + "×"
              + dim);
    }
    if (quality == null || quality.length != samples) {
      throw new IllegalArgumentException(
          "need one quality score per sample: got "
              + (quality == null ? "null" : quality.length)
              + " for "
              + samples
              + " samples");
    }
    for (int i = 0; i < samples; i++) {
      if (!Double.isFinite(quality[i])) {
        throw new IllegalArgumentException(
            "quality of sample " + i + " is not finite: " + quality[i]);
      }
    }
  }

  /**
   * The sub-problem over the given sample ids (features and quality copied, in the order of {@code
   * ids}).
   */
  public SelectionInput subset(int[] ids) {
    float[] f = new float[ids.length * dim];
    double[] q = new double[ids.length];
    for (int i = 0; i < ids.length; i++) {
      System.arraycopy(features, ids[i] * dim, f, i * dim, dim);
      q[i] = quality[ids[i]];
    }
    return new SelectionInput(f, ids.length, dim, q);
  }
}

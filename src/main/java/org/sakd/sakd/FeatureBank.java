package org.sakd.sakd;

import java.util.Arrays;

/**
 * Fused teacher features F (samples × dim, row-major), the input of the DPP kernel (METHOD.md
 * section 3). First round F = f; later rounds F ← λ·F + (1−λ)·f only while β < η; frozen in the
 * shuffle phase, whose features describe scrambled clips.
 */
public final class FeatureBank {

  private final int samples;
  private final int dim;
  private float[] fused;

  public FeatureBank(int samples, int dim) {
    if (samples < 1 || dim < 1) {
      throw new IllegalArgumentException(
          "feature bank needs samples >= 1 and dim >= 1, got " + samples + "×" + dim);
    }
    this.samples = samples;
    this.dim = dim;
  }

  /** Restores a bank; {@code fused} may be null (no round yet). The array is copied. */
  public static FeatureBank restore(int samples, int dim, float[] fused) {
    FeatureBank bank = new FeatureBank(samples, dim);
    if (fused != null) {
      bank.checkShape(fused);
      bank.fused = fused.clone();
    }
    return bank;
  }

  /** Folds one scoring pass's features f (samples × dim, row-major) into the bank. */
  public void update(float[] features, boolean shufflePhase, double lambda) {
    checkShape(features);
    if (!(lambda >= 0.0 && lambda <= 1.0)) {
      throw new IllegalArgumentException("history weight lambda must be in [0, 1], got " + lambda);
    }
    if (fused == null) {
      fused = features.clone();
      return;
    }
    if (shufflePhase) {
      return;
    }
    float keep = (float) lambda;
    float take = (float) (1.0 - lambda);
    for (int i = 0; i < fused.length; i++) {
      fused[i] = keep * fused[i] + take * features[i];
    }
  }

  /** Same as {@link #update(float[], boolean, double)} for features given as one row per sample. */
  public void update(float[][] features, boolean shufflePhase, double lambda) {
    if (features == null || features.length != samples) {
      throw new IllegalArgumentException(
          "expected "
              + samples
              + " feature rows, got "
              + (features == null ? "null" : features.length));
    }
    float[] flat = new float[samples * dim];
    for (int i = 0; i < samples; i++) {
      if (features[i] == null || features[i].length != dim) {
        throw new IllegalArgumentException("feature row " + i + " must have " + dim + " values");
      }
      System.arraycopy(features[i], 0, flat, i * dim, dim);
    }
    update(flat, shufflePhase, lambda);
  }

  public boolean isEmpty() {
    return fused == null;
  }

  public int samples() {
    return samples;
  }

  public int dim() {
    return dim;
  }

  /** A copy of F (row-major); throws if no round has filled the bank yet. */
  public float[] snapshot() {
    return features().clone();
  }

  /** Row i of F (a copy). */
  public float[] row(int i) {
    return Arrays.copyOfRange(features(), i * dim, (i + 1) * dim);
  }

  /** Selection input over F without copying it (selectors only read their input). */
  public SelectionInput selectionInput(double[] quality) {
    return new SelectionInput(features(), samples, dim, quality);
  }

  private float[] features() {
    if (fused == null) {
      throw new IllegalStateException(
          "feature bank is empty: no selection round has provided features yet");
    }
    return fused;
  }

  private void checkShape(float[] features) {
    if (features == null || features.length != (long) samples * dim) {
      throw new IllegalArgumentException(
          "features length "
              + (features == null ? "null" : features.length)
              + " does not match samples×dim = "
              + samples
              + "×"
              + dim);
    }
  }
}

package org.sakd.sakd;

import org.sakd.config.ConfigName;

/**
 * The scale s(n) of α's later-round update α_i ← λ·α_i + (1−λ)·s(n)·q_i (METHOD.md §4).
 *
 * <ul>
 *   <li>{@link #CODE}: s(n) = β(n), the published code. With β ≤ η = 0.5 and β ≈ 0.1 early, α
 *       collapses from ≈ 0.4 in round 1 to ≈ 0.1 after it, so the loss is ≈ 0.2·CE and distillation
 *       nearly switched off.
 *   <li>{@link #UNIT}: s(n) = 1, α tracks q at its own scale (mean ≈ the mean quality, about
 *       0.4–0.6), the range of the paper's appendix Fig. 2 (mean α of the selected samples 0.405 →
 *       ≈ 0.57 for KD).
 *   <li>{@link #BETA_OVER_ETA}: s(n) = β(n)/η, the code's schedule rescaled so that it reaches 1
 *       when the interruption reaches its threshold: α grows from small to q over training, the
 *       rising shape of Fig. 2.
 * </ul>
 */
public enum AlphaForm implements ConfigName {
  CODE("code"),
  UNIT("unit"),
  BETA_OVER_ETA("beta-over-eta");

  private final String configName;

  AlphaForm(String configName) {
    this.configName = configName;
  }

  @Override
  public String configName() {
    return configName;
  }

  public static AlphaForm parse(String name) {
    return ConfigName.parse(AlphaForm.class, name, "alpha form");
  }

  /** s(n) for interruption rate β and threshold η, clamped to [0, 1]. */
  public double strength(double beta, double eta) {
    double s =
        switch (this) {
          case CODE -> beta;
          case UNIT -> 1.0;
          case BETA_OVER_ETA -> eta > 0.0 ? beta / eta : 1.0;
        };
    return Math.max(0.0, Math.min(1.0, s));
  }
}

package org.sakd.sakd;

/**
 * Interruption rate β(n) over the training epochs n = 0..N−1, clipped at the threshold η (METHOD.md
 * section 1): below η the scoring pass drops frames, at or above η it shuffles them.
 */
public record InterruptionSchedule(ScheduleKind kind, int totalEpochs, double eta) {

  /** Exponent of the poly schedule, as in the paper's published schedule. */
  static final double POLY_POWER = 0.9;

  /**
   * A rate this close below η counts as η: the cosine schedule reaches η = 0.5 at n = N/2 in real
   * arithmetic, but 0.5·(1 − cos(π/2)) evaluates to 0.49999999999999994, which would delay the
   * switch to shuffle by an epoch.
   */
  static final double SWITCH_TOLERANCE = 1e-12;

  public InterruptionSchedule {
    if (kind == null) {
      throw new IllegalArgumentException(
          "interruption schedule kind must be set (poly, linear or cosine)");
    }
    if (totalEpochs < 1) {
      throw new IllegalArgumentException("totalEpochs must be >= 1, got " + totalEpochs);
    }
    if (!(eta > 0.0 && eta <= 1.0)) {
      throw new IllegalArgumentException(
          "interruption threshold eta must be in (0, 1], got " + eta);
    }
  }

  /** β(n) = min(schedule(n/N), η). */
  public double beta(int epoch) {
    if (epoch < 0 || epoch > totalEpochs) {
      throw new IllegalArgumentException("epoch must be in [0, " + totalEpochs + "], got " + epoch);
    }
    double x = (double) epoch / totalEpochs;
    double raw =
        switch (kind) {
          case POLY -> 1.0 - Math.pow(1.0 - x, POLY_POWER);
          case LINEAR -> x;
          case COSINE -> 0.5 * (1.0 - Math.cos(Math.PI * x));
        };
    return raw >= eta - SWITCH_TOLERANCE ? eta : raw;
  }

  /** True once β has reached η: the scoring pass shuffles frames instead of dropping them. */
  public boolean isShuffle(int epoch) {
    return beta(epoch) >= eta;
  }
}

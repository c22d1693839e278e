package org.sakd.distill;

/**
 * Linear loss warm-up min(epoch/warm-up, 1) of mdistiller's DKD (and our GKD reconstruction).
 * mdistiller counts epochs from 1, our epochs n from 0 (METHOD.md), so the faithful translation is
 * min((n + 1)/warm-up, 1): the first epoch already gets 1/warm-up, never an all-zero KD term (which
 * would also make every SAKD difficulty score equal in the first round).
 */
public final class WarmUp {

  private WarmUp() {}

  /** The factor for 0-based epoch {@code epoch}; {@code warmupEpochs} ≥ 1. */
  public static double factor(int epoch, int warmupEpochs) {
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
    }
    if (warmupEpochs < 1) {
      throw new IllegalArgumentException("warm-up epochs must be >= 1, got " + warmupEpochs);
    }
    return Math.min((epoch + 1) / (double) warmupEpochs, 1.0);
  }
}

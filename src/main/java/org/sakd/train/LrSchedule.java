package org.sakd.train;

import org.sakd.config.Settings;

/** Learning rate per (fractional) epoch: linear warm-up, then cosine, step or constant. */
public record LrSchedule(
    String kind, double base, int epochs, int warmupEpochs, int[] stepEpochs, double gamma) {

  public static LrSchedule of(Settings.Train t) {
    return new LrSchedule(
        t.lrSchedule(), t.lr(), t.epochs(), t.warmupEpochs(), t.stepEpochs(), t.stepGamma());
  }

  /**
   * @param epoch epoch index plus the fraction of it done, in [0, epochs).
   */
  public double lr(double epoch) {
    if (warmupEpochs > 0 && epoch < warmupEpochs) {
      return base * (epoch + 1e-3) / warmupEpochs;
    }
    switch (kind) {
      case "cosine":
        {
          double span = Math.max(1e-9, epochs - warmupEpochs);
          double p = Math.min(1.0, (epoch - warmupEpochs) / span);
          return base * 0.5 * (1 + Math.cos(Math.PI * p));
        }
      case "step":
        {
          double lr = base;
          for (int s : stepEpochs) {
            if (epoch >= s) {
              lr *= gamma;
            }
          }
          return lr;
        }
      default:
        return base;
    }
  }
}

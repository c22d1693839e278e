package org.sakd.distill;

import ai.djl.ndarray.NDArray;

/**
 * The gradient-reversal layer of CTKD (Li et al., "Curriculum Temperature for Knowledge
 * Distillation", AAAI 2023), after Ganin and Lempitsky (2015): identity forward, gradient ×(−λ)
 * backward. DJL has no custom autograd functions, so it is written as y = −λ·x + (1 +
 * λ)·stopGradient(x): the value is x, and only the first term carries a gradient, −λ. We evaluate
 * the same expression as y = sg(x) − λ·(x − sg(x)), whose value is exactly x in floating point (x −
 * sg(x) is exactly 0).
 */
public final class GradientReversal {

  private GradientReversal() {}

  /** Identity in value, gradient multiplied by −λ. */
  public static NDArray apply(NDArray x, double lambda) {
    NDArray constant = x.stopGradient();
    return constant.sub(Scalar.mul(x.sub(constant), lambda));
  }

  /**
   * CTKD's curriculum: λ rises from 0 to 1 as 0.5·(1 − cos(π·n/R)) over the first R epochs (0-based
   * epoch n), then stays at 1.
   */
  public static double strength(int epoch, int rampEpochs) {
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
    }
    if (rampEpochs < 1) {
      throw new IllegalArgumentException("ramp epochs must be >= 1, got " + rampEpochs);
    }
    double progress = Math.min(epoch, rampEpochs) / (double) rampEpochs;
    return 0.5 * (1 - Math.cos(Math.PI * progress));
  }
}

package org.sakd.distill;

import ai.djl.ndarray.NDArray;

/** Numerically stable log Σ exp(x) along one axis (DJL has no logSumExp on NDArray). */
final class LogSumExp {

  private LogSumExp() {}

  /**
   * log Σ_axis exp(x), keeping the reduced axis as size 1. The shift m is detached: the result's
   * value and gradient do not depend on m, so detaching only avoids a needless subgradient through
   * max.
   */
  static NDArray of(NDArray x, int axis) {
    NDArray m = x.max(new int[] {axis}, true).stopGradient();
    return x.sub(m).exp().sum(new int[] {axis}, true).log().add(m);
  }
}

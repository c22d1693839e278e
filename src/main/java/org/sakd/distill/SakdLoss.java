package org.sakd.distill;

import ai.djl.ndarray.NDArray;

/**
 * The SAKD training loss (METHOD.md §4; Li et al., ACM MM 2025, arXiv 2504.00606):
 *
 * <pre>  L = (1/|B|) Σ_i 2·[(1 − α_i)·w_ce·CE_i + α_i·KD_i]</pre>
 *
 * The factor 2 makes α = 0.5 reproduce the base method's own objective mean(w_ce·CE + KD).
 *
 * <p>Supervisor ablation — our exact choice: each ablation keeps its part of the same objective
 * with its α weighting and the factor 2, and drops the other part: {@code teacher}:
 * mean(2·α_i·KD_i); {@code gt}: mean(2·(1 − α_i)·w_ce·CE_i). So at α = 0.5 they equal mean(KD) and
 * mean(w_ce·CE), the two halves of the vanilla loss.
 */
public final class SakdLoss {

  private SakdLoss() {}

  /**
   * The scalar SAKD loss for one batch, given the per-sample strengths α (length N, values in [0,
   * 1]).
   */
  public static NDArray sakd(DistillLosses l, NDArray alpha, double ceWeight, Supervisor sup) {
    if (alpha == null || !alpha.getShape().equals(l.ce().getShape())) {
      throw new IllegalArgumentException(
          "alpha must be a per-sample vector of shape "
              + l.ce().getShape()
              + ", got "
              + (alpha == null ? "null" : alpha.getShape()));
    }
    if (sup == null) {
      throw new IllegalArgumentException("supervisor is null");
    }
    NDArray a = alpha.toType(l.kd().getDataType(), false);
    NDArray gtPart = Scalar.mul(a.neg().add(1).mul(l.ce()), ceWeight);
    NDArray teacherPart = a.mul(l.kd());
    NDArray perSample =
        switch (sup) {
          case GT_AND_TEACHER -> gtPart.add(teacherPart);
          case TEACHER -> teacherPart;
          case GT -> gtPart;
        };
    return Scalar.mul(perSample, 2).mean();
  }

  /** The base method's own loss mean(w_ce·CE_i + KD_i) (full-data "Vanilla" training). */
  public static NDArray vanilla(DistillLosses l, double ceWeight) {
    return Scalar.mul(l.ce(), ceWeight).add(l.kd()).mean();
  }
}

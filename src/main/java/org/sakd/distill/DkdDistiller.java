package org.sakd.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import java.util.Map;

/**
 * Decoupled KD (Zhao et al., CVPR 2022), see {@link DkdLoss}: KD_i = w_kd·min((n+1)/warm-up,
 * 1)·(α_D·TCKD_i + β_D·NCKD_i). Defaults are mdistiller's CIFAR ones: w_ce 1.0, w_kd 1.0, α_D 1,
 * β_D 8, τ 4, warm-up 20 epochs (see {@link WarmUp} for the epoch offset).
 */
public final class DkdDistiller extends AbstractDistiller {

  private final double alphaD;
  private final double betaD;
  private final int warmupEpochs;

  public DkdDistiller(DistillSettings settings) {
    super("dkd", settings);
    this.alphaD = settings.extraNonNegative("alphaD");
    this.betaD = settings.extraNonNegative("betaD");
    this.warmupEpochs = settings.extraPositiveInt("warmupEpochs");
  }

  @Override
  protected DistillLosses compute(DistillInput in, ParameterStore ps) {
    double tau = settings.temperature();
    NDArray s = in.studentLogits();
    NDArray t = in.teacherLogits();
    NDArray ce = CrossEntropy.perSample(s, in.labels());
    NDArray tckd = DkdLoss.tckd(s, t, in.labels(), tau);
    NDArray nckd = DkdLoss.nckd(s, t, in.labels(), tau);
    double scale = settings.kdWeight() * WarmUp.factor(in.epoch(), warmupEpochs);
    NDArray kd = Scalar.mul(Scalar.mul(tckd, alphaD).add(Scalar.mul(nckd, betaD)), scale);
    return new DistillLosses(ce, kd, Map.of("tckd", tckd, "nckd", nckd));
  }
}

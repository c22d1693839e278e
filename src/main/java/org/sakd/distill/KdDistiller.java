package org.sakd.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import java.util.Map;

/** Hinton et al. 2015: KD_i = w_kd·τ²·KL(σ(z_T/τ) ‖ σ(z_S/τ)); defaults τ 4, w_ce 0.1, w_kd 0.9. */
public final class KdDistiller extends AbstractDistiller {

  public KdDistiller(DistillSettings settings) {
    super("kd", settings);
  }

  @Override
  protected DistillLosses compute(DistillInput in, ParameterStore ps) {
    NDArray ce = CrossEntropy.perSample(in.studentLogits(), in.labels());
    NDArray kl = KdLoss.perSample(in.studentLogits(), in.teacherLogits(), settings.temperature());
    return new DistillLosses(ce, Scalar.mul(kl, settings.kdWeight()), Map.of("kl", kl));
  }
}

package org.sakd.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import java.util.Map;

/**
 * CrossKD (Wang et al., CVPR 2024) <b>adapted to classification</b> (the paper distils detection
 * heads).
 *
 * <pre>
 *   g = P·f_S if Ds ≠ Dt (P: learned Ds→Dt linear map, the extras), else f_S
 *   z_cross = W_T·standardise_B(g → f_T) + b_T          (see {@link CrossHeadLogits})
 *   KD_i = w_kd·τ²·KL(σ(z_T/τ) ‖ σ(z_cross/τ)),  loss w_ce·CE + KD,  τ 4, w_ce 0.1, w_kd 0.9
 * </pre>
 *
 * CrossKD <em>replaces</em> the usual prediction mimicking (student head output vs teacher output)
 * by the cross-head path, so the student's own logits get only CE; we follow the paper and add no
 * ordinary logit KD. The teacher head W_T, b_T is frozen (constants) but the gradient flows through
 * it into the student feature — the published code detaches this path, a defect we do not copy.
 */
public final class CrossKdDistiller extends AbstractDistiller {

  private Linear projection;

  public CrossKdDistiller(DistillSettings settings) {
    super("crosskd", settings);
  }

  @Override
  protected void buildExtras(
      NDManager m, int studentFeatureDim, int teacherFeatureDim, int numClasses) {
    if (studentFeatureDim != teacherFeatureDim) {
      projection = Linear.builder().setUnits(teacherFeatureDim).build();
      prepareExtras(projection, m, new Shape(1, studentFeatureDim));
    } else {
      projection = null;
    }
  }

  @Override
  public Block extras() {
    return projection;
  }

  @Override
  protected DistillLosses compute(DistillInput in, ParameterStore ps) {
    NDArray fs = in.requireStudentFeature(name());
    NDArray ft = in.requireTeacherFeature(name());
    if (in.teacherHeadWeight() == null || in.teacherHeadBias() == null) {
      throw new IllegalArgumentException(
          "crosskd needs the teacher's classifier head (weight and bias)");
    }
    if (projection != null) {
      fs = projection.forward(ps, new NDList(fs), in.training()).head();
    }
    NDArray cross = CrossHeadLogits.of(fs, ft, in.teacherHeadWeight(), in.teacherHeadBias());
    NDArray ce = CrossEntropy.perSample(in.studentLogits(), in.labels());
    NDArray kl = KdLoss.perSample(cross, in.teacherLogits(), settings.temperature());
    return new DistillLosses(ce, Scalar.mul(kl, settings.kdWeight()), Map.of("crossHeadKl", kl));
  }
}

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
 * DualKD (Wang et al., IEEE TIP 2024) <b>adapted to classification with pooled features</b>: the
 * logit-level and feature-level knowledge are distilled together,
 *
 * <pre>
 *   KD_i = w_kd·τ²·KL(σ(z_T/τ) ‖ σ(z_S/τ)) + w_ot·OT_i
 *   OT_i = N·Σ_j Π_ij·(1 − cos(P·f_S,i , f_T,j))        (Sinkhorn plan Π, ε 0.1, 20 iterations)
 * </pre>
 *
 * P is a learned Ds→Dt linear projection (the extras). The OT term compares the two batches as
 * distributions of L2-normalised features, so it transfers the teacher's relational structure
 * rather than forcing a one-to-one match; row i is the transport cost of student sample i (see
 * {@link SinkhornDistance}). Defaults: τ 4, w_ce 0.1, w_kd 0.9, w_ot 1.
 */
public final class DualKdDistiller extends AbstractDistiller {

  private final double otWeight;
  private final double epsilon;
  private final int iterations;
  private Linear projection;

  public DualKdDistiller(DistillSettings settings) {
    super("dualkd", settings);
    this.otWeight = settings.extraNonNegative("otWeight");
    this.epsilon = settings.extra("sinkhornEpsilon");
    if (!(epsilon > 0)) {
      throw new IllegalArgumentException(
          "extra setting 'sinkhornEpsilon' must be > 0, got " + epsilon);
    }
    this.iterations = settings.extraPositiveInt("sinkhornIterations");
  }

  @Override
  protected void buildExtras(
      NDManager m, int studentFeatureDim, int teacherFeatureDim, int numClasses) {
    projection = Linear.builder().setUnits(teacherFeatureDim).build();
    prepareExtras(projection, m, new Shape(1, studentFeatureDim));
  }

  @Override
  public Block extras() {
    return projection;
  }

  @Override
  protected DistillLosses compute(DistillInput in, ParameterStore ps) {
    NDArray fs = in.requireStudentFeature(name());
    NDArray ft = in.requireTeacherFeature(name());
    NDArray projected = projection.forward(ps, new NDList(fs), in.training()).head();
    NDArray ce = CrossEntropy.perSample(in.studentLogits(), in.labels());
    NDArray kl = KdLoss.perSample(in.studentLogits(), in.teacherLogits(), settings.temperature());
    NDArray ot = SinkhornDistance.perSample(projected, ft, epsilon, iterations);
    NDArray kd = Scalar.mul(kl, settings.kdWeight()).add(Scalar.mul(ot, otWeight));
    return new DistillLosses(ce, kd, Map.of("kl", kl, "ot", ot));
  }
}

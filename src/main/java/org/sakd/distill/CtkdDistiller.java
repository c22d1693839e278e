package org.sakd.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.Map;

/**
 * Curriculum Temperature KD (Li, Li, Yang, Zhang, Lu, Yang; AAAI 2023), global-temperature variant.
 *
 * <pre>
 *   τ = τ_min + τ_range·sigmoid(GRL_λ(t))          (t: one learnable scalar, in {@link #extras()})
 *   λ(n) = 0.5·(1 − cos(π·min(n, R)/R))            (R = rampEpochs, default 10)
 *   KD_i = w_kd·τ²·KL(σ(z_T/τ) ‖ σ(z_S/τ)),  loss 0.1·CE + 0.9·KD
 * </pre>
 *
 * The gradient-reversal layer makes the same minimisation step that trains the student move t so as
 * to <em>increase</em> the KD loss (the adversarial temperature), ever more strongly as λ rises.
 * The {@code temperature} setting is τ's initial value; defaults τ_min 1, τ_range 19 (τ ∈ [1, 20]).
 */
public final class CtkdDistiller extends AbstractDistiller {

  private final int rampEpochs;
  private LearnableTemperature temperature;

  public CtkdDistiller(DistillSettings settings) {
    super("ctkd", settings);
    this.rampEpochs = settings.extraPositiveInt("rampEpochs");
    // Build once here so bad ranges fail at creation, not at initialize().
    new LearnableTemperature(
        settings.extra("tauMin"), settings.extra("tauRange"), settings.temperature());
  }

  @Override
  protected void buildExtras(
      NDManager m, int studentFeatureDim, int teacherFeatureDim, int numClasses) {
    temperature =
        new LearnableTemperature(
            settings.extra("tauMin"), settings.extra("tauRange"), settings.temperature());
    prepareExtras(temperature, m, new Shape(1));
  }

  @Override
  public Block extras() {
    return temperature;
  }

  @Override
  protected DistillLosses compute(DistillInput in, ParameterStore ps) {
    NDArray t = value(ps, temperature.logitParameter(), in);
    double lambda = GradientReversal.strength(in.epoch(), rampEpochs);
    NDArray tau = temperature.temperature(GradientReversal.apply(t, lambda));
    NDArray ce = CrossEntropy.perSample(in.studentLogits(), in.labels());
    NDArray kl = KdLoss.perSample(in.studentLogits(), in.teacherLogits(), tau);
    NDArray tauPerSample = kl.onesLike().mul(tau.stopGradient());
    return new DistillLosses(
        ce, Scalar.mul(kl, settings.kdWeight()), Map.of("kl", kl, "temperature", tauPerSample));
  }
}

package org.sakd.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;
import java.util.Map;

/**
 * GKD, generative-model-based feature KD for action recognition (Wang et al., AAAI 2024),
 * <b>adapted to pooled features</b>: a small conditional VAE ({@link FeatureGenerator}, the extras,
 * trained jointly) reconstructs the teacher's pooled feature from the student's, and the
 * reconstruction error trains the student feature too:
 *
 * <pre>
 *   KD_i = w_kd·τ²·KL(σ(z_T/τ) ‖ σ(z_S/τ)) + w(n)·w_rec·(MSE(f̂_T,i, f_T,i) + w_kl·KL(q(z|f_T,f_S) ‖ N(0,I))_i)
 *   w(n) = min((n+1)/20, 1)
 * </pre>
 *
 * Defaults: τ 4, w_ce 0.1, w_kd 0.9 (the KD baseline's weights), w_rec 1, w_kl 0.01 (a small KL
 * keeps the latent close to the prior so the decoder must rely on f_S), hidden 256, latent 64.
 */
public final class GkdDistiller extends AbstractDistiller {

  private final double reconstructionWeight;
  private final double klWeight;
  private final int warmupEpochs;
  private final int hiddenDim;
  private final int latentDim;
  private FeatureGenerator generator;

  public GkdDistiller(DistillSettings settings) {
    super("gkd", settings);
    this.reconstructionWeight = settings.extraNonNegative("reconstructionWeight");
    this.klWeight = settings.extraNonNegative("klWeight");
    this.warmupEpochs = settings.extraPositiveInt("warmupEpochs");
    this.hiddenDim = settings.extraPositiveInt("hiddenDim");
    this.latentDim = settings.extraPositiveInt("latentDim");
  }

  @Override
  protected void buildExtras(
      NDManager m, int studentFeatureDim, int teacherFeatureDim, int numClasses) {
    generator = new FeatureGenerator(teacherFeatureDim, hiddenDim, latentDim);
    prepareExtras(generator, m, new Shape(1, studentFeatureDim), new Shape(1, teacherFeatureDim));
  }

  @Override
  public Block extras() {
    return generator;
  }

  @Override
  protected DistillLosses compute(DistillInput in, ParameterStore ps) {
    NDArray fs = in.requireStudentFeature(name());
    NDArray ft = in.requireTeacherFeature(name());
    NDList out = generator.forward(ps, new NDList(fs, ft), in.training());
    NDArray mse = FeatureGenerator.reconstructionError(out.get(0), ft);
    NDArray latentKl = FeatureGenerator.klToPrior(out.get(1), out.get(2));
    NDArray ce = CrossEntropy.perSample(in.studentLogits(), in.labels());
    NDArray kl = KdLoss.perSample(in.studentLogits(), in.teacherLogits(), settings.temperature());
    double recScale = reconstructionWeight * WarmUp.factor(in.epoch(), warmupEpochs);
    NDArray kd =
        Scalar.mul(kl, settings.kdWeight())
            .add(Scalar.mul(mse.add(Scalar.mul(latentKl, klWeight)), recScale));
    return new DistillLosses(ce, kd, Map.of("kl", kl, "reconstruction", mse, "latentKl", latentKl));
  }
}

package org.sakd.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The small conditional VAE of our GKD adaptation: it reconstructs the teacher's pooled feature f_T
 * from the student's f_S.
 *
 * <pre>
 *   encoder:  h = relu(E_h·[f_T; f_S]),  μ = E_μ·h,  log σ² = E_σ·h
 *   latent:   z = μ + σ ⊙ ε, ε ~ N(0, I)   when training;   z = 0 (the prior's mean) otherwise
 *   decoder:  f̂_T = D_o·relu(D_h·[z; f_S])
 * </pre>
 *
 * Outside training z is the prior mean, as a conditional VAE generates at test time (Sohn et al.,
 * NeurIPS 2015): the reconstruction then depends on the student feature alone, which is what the
 * scoring pass should measure. Input: (f_S N×Ds, f_T N×Dt); output: (f̂_T N×Dt, μ N×L, log σ² N×L).
 * ε comes from the engine's random generator (seed it with {@code Engine.setRandomSeed}).
 */
public final class FeatureGenerator extends AbstractBlock {

  private final int latentDim;
  private final Linear encoderHidden;
  private final Linear encoderMean;
  private final Linear encoderLogVariance;
  private final Linear decoderHidden;
  private final Linear decoderOutput;

  public FeatureGenerator(int teacherFeatureDim, int hiddenDim, int latentDim) {
    if (teacherFeatureDim < 1 || hiddenDim < 1 || latentDim < 1) {
      throw new IllegalArgumentException(
          "generator widths must be >= 1, got teacher "
              + teacherFeatureDim
              + ", hidden "
              + hiddenDim
              + ", latent "
              + latentDim);
    }
    this.latentDim = latentDim;
    encoderHidden = addChildBlock("encoderHidden", Linear.builder().setUnits(hiddenDim).build());
    encoderMean = addChildBlock("encoderMean", Linear.builder().setUnits(latentDim).build());
    encoderLogVariance =
        addChildBlock("encoderLogVariance", Linear.builder().setUnits(latentDim).build());
    decoderHidden = addChildBlock("decoderHidden", Linear.builder().setUnits(hiddenDim).build());
    decoderOutput =
        addChildBlock("decoderOutput", Linear.builder().setUnits(teacherFeatureDim).build());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray fs = inputs.get(0);
    NDArray ft = inputs.get(1);
    NDArray h =
        Activation.relu(encoderHidden.forward(ps, new NDList(ft.concat(fs, 1)), training).head());
    NDArray mu = encoderMean.forward(ps, new NDList(h), training).head();
    // log σ² is clipped to [-10, 10], as VAE implementations commonly do: unclipped, large teacher
    // features
    // (an untrained or un-normalised teacher) drive exp(log σ²) past the float range and the loss
    // to infinity.
    NDArray logVar = encoderLogVariance.forward(ps, new NDList(h), training).head().clip(-10, 10);
    NDArray z;
    if (training) {
      NDArray noise = mu.getManager().randomNormal(mu.getShape(), mu.getDataType());
      z = mu.add(Scalar.mul(logVar, 0.5).exp().mul(noise));
    } else {
      z = mu.zerosLike();
    }
    NDArray d =
        Activation.relu(decoderHidden.forward(ps, new NDList(z.concat(fs, 1)), training).head());
    NDArray reconstruction = decoderOutput.forward(ps, new NDList(d), training).head();
    return new NDList(reconstruction, mu, logVar);
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    long ds = inputShapes[0].get(1);
    long dt = inputShapes[1].get(1);
    encoderHidden.initialize(manager, dataType, new Shape(1, dt + ds));
    Shape hidden = encoderHidden.getOutputShapes(new Shape[] {new Shape(1, dt + ds)})[0];
    encoderMean.initialize(manager, dataType, hidden);
    encoderLogVariance.initialize(manager, dataType, hidden);
    decoderHidden.initialize(manager, dataType, new Shape(1, latentDim + ds));
    decoderOutput.initialize(manager, dataType, hidden);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    long n = inputShapes[0].get(0);
    return new Shape[] {inputShapes[1], new Shape(n, latentDim), new Shape(n, latentDim)};
  }

  /** Per-sample mean squared error over the feature dimensions. */
  public static NDArray reconstructionError(NDArray reconstruction, NDArray target) {
    return reconstruction.sub(target).square().mean(new int[] {1});
  }

  /**
   * Per-sample KL(N(μ, σ²) ‖ N(0, I)) = −½·mean_l(1 + log σ² − μ² − σ²), averaged (not summed) over
   * the latent dimensions so its scale does not grow with the latent width.
   */
  public static NDArray klToPrior(NDArray mu, NDArray logVar) {
    return Scalar.mul(logVar.add(1).sub(mu.square()).sub(logVar.exp()).mean(new int[] {1}), -0.5);
  }
}

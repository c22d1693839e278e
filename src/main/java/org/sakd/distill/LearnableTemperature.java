package org.sakd.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.ConstantInitializer;
import ai.djl.util.PairList;

/**
 * CTKD's global learnable temperature τ = τ_min + τ_range·sigmoid(t) with one trainable scalar t
 * (Li et al., AAAI 2023). The sigmoid keeps τ inside [τ_min, τ_min + τ_range] however far the
 * adversarial updates push t.
 */
public final class LearnableTemperature extends AbstractBlock {

  private final double tauMin;
  private final double tauRange;
  private final Parameter logit;

  /** A temperature block whose initial value is {@code initialTau} ∈ (τ_min, τ_min + τ_range). */
  public LearnableTemperature(double tauMin, double tauRange, double initialTau) {
    if (!(tauMin > 0) || !(tauRange > 0)) {
      throw new IllegalArgumentException(
          "CTKD needs tauMin > 0 and tauRange > 0, got " + tauMin + " and " + tauRange);
    }
    if (!(initialTau > tauMin && initialTau < tauMin + tauRange)) {
      throw new IllegalArgumentException(
          "CTKD initial temperature must lie strictly inside ("
              + tauMin
              + ", "
              + (tauMin + tauRange)
              + "), got "
              + initialTau);
    }
    this.tauMin = tauMin;
    this.tauRange = tauRange;
    double p = (initialTau - tauMin) / tauRange;
    double t0 = Math.log(p / (1 - p));
    this.logit =
        addParameter(
            Parameter.builder()
                .setName("temperatureLogit")
                .setType(Parameter.Type.OTHER)
                .optShape(new Shape(1))
                .optInitializer(new ConstantInitializer((float) t0))
                .build());
  }

  /** The trainable scalar t. */
  public Parameter logitParameter() {
    return logit;
  }

  /** τ from a (possibly gradient-reversed) value of t. */
  public NDArray temperature(NDArray t) {
    return Scalar.mul(Activation.sigmoid(t), tauRange).add(tauMin);
  }

  /** Ignores its inputs and returns the current τ (shape 1), without gradient reversal. */
  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray t = ps.getValue(logit, logit.getArray().getDevice(), training);
    return new NDList(temperature(t));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(1)};
  }
}

package org.sakd.model;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * ReLU as a block. DJL's {@code new Relu()} is a LambdaBlock, which infers its output shape by
 * running on zeros of the input shape; at 64×224×224 that made initialising SlowFast-R101 take ~10
 * s.
 */
final class Relu extends AbstractBlock {

  private static final byte VERSION = 1;

  Relu() {
    super(VERSION);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    return new NDList(Activation.relu(inputs.singletonOrThrow()));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }
}

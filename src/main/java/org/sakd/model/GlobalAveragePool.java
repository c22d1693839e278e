package org.sakd.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Mean over every axis after the channel axis ((T,H,W) for clips, (H,W) for images): N×C×… → N×C. A
 * mean rather than a fixed-size pooling window keeps the networks valid for any input size.
 */
final class GlobalAveragePool extends AbstractBlock {

  private static final byte VERSION = 1;

  GlobalAveragePool() {
    super(VERSION);
  }

  static NDArray pool(NDArray x) {
    if (x.getShape().dimension() < 3) {
      throw new IllegalArgumentException(
          "global average pooling needs N×C×(spatial…) input, got " + x.getShape());
    }
    // DJL's PyTorch engine reduces one axis at a time, so flatten the trailing axes first.
    return x.reshape(x.getShape().get(0), x.getShape().get(1), -1).mean(new int[] {2});
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    return new NDList(pool(inputs.singletonOrThrow()));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), inputShapes[0].get(1))};
  }
}

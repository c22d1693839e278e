package org.sakd.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Max pooling over the 2 or 3 trailing axes with an output shape computed by formula (floor mode),
 * not by a trial run on zeros as DJL's pooling LambdaBlocks do.
 */
final class MaxPool extends AbstractBlock {

  private static final byte VERSION = 1;

  private final Shape kernel;
  private final Shape stride;
  private final Shape padding;

  MaxPool(Shape kernel, Shape stride, Shape padding) {
    super(VERSION);
    if (kernel.dimension() < 2
        || kernel.dimension() > 3
        || stride.dimension() != kernel.dimension()
        || padding.dimension() != kernel.dimension()) {
      throw new IllegalArgumentException(
          "max pooling needs 2D or 3D kernel, stride and padding of equal rank, got "
              + kernel
              + ", "
              + stride
              + ", "
              + padding);
    }
    this.kernel = kernel;
    this.stride = stride;
    this.padding = padding;
  }

  Shape kernel() {
    return kernel;
  }

  Shape stride() {
    return stride;
  }

  Shape padding() {
    return padding;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    NDArray y =
        kernel.dimension() == 3
            ? Pool.maxPool3d(x, kernel, stride, padding, false)
            : Pool.maxPool2d(x, kernel, stride, padding, false);
    return new NDList(y);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape in = inputShapes[0];
    int spatial = kernel.dimension();
    if (in.dimension() != spatial + 2) {
      throw new IllegalArgumentException(
          spatial + "D max pooling needs N×C×" + spatial + " axes, got " + in);
    }
    long[] out = in.getShape().clone();
    for (int i = 0; i < spatial; i++) {
      out[i + 2] = (in.get(i + 2) + 2 * padding.get(i) - kernel.get(i)) / stride.get(i) + 1;
    }
    return new Shape[] {new Shape(out)};
  }
}

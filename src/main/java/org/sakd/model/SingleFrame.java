package org.sakd.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Turns a one-frame clip N×C×1×H×W into an image N×C×H×W, so image networks share the video data
 * path.
 */
final class SingleFrame extends AbstractBlock {

  private static final byte VERSION = 1;

  SingleFrame() {
    super(VERSION);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    check(x.getShape());
    return new NDList(x.squeeze(2));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape s = inputShapes[0];
    check(s);
    return new Shape[] {new Shape(s.get(0), s.get(1), s.get(3), s.get(4))};
  }

  private static void check(Shape s) {
    if (s.dimension() != 5 || s.get(2) != 1) {
      throw new IllegalArgumentException(
          "an image network takes one-frame clips N×C×1×H×W, got "
              + s
              + "; decode images with T = 1");
    }
  }
}

package org.sakd.pipeline;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import org.sakd.model.Classifier;

/**
 * A network without batch norm (flatten → Linear → ReLU → head), so replica equivalence is exact
 * arithmetic.
 */
final class LinearNet extends AbstractBlock implements Classifier {
  private final Linear hidden;
  private final Linear head;
  private final Shape input;
  private final int classes;

  LinearNet(Shape clip, int classes) {
    this.input = clip;
    this.classes = classes;
    this.hidden = addChildBlock("hidden", Linear.builder().setUnits(16).build());
    this.head = addChildBlock("head", Linear.builder().setUnits(classes).build());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList in, boolean training, PairList<String, Object> params) {
    NDArray x = in.singletonOrThrow();
    NDArray flat = x.reshape(x.getShape().get(0), -1);
    NDArray f =
        ai.djl.nn.Activation.relu(
            hidden.forward(ps, new NDList(flat), training).singletonOrThrow());
    NDArray logits = head.forward(ps, new NDList(f), training).singletonOrThrow();
    return new NDList(logits, f);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    long n = inputShapes[0].get(0);
    return new Shape[] {new Shape(n, classes), new Shape(n, 16)};
  }

  @Override
  protected void initializeChildBlocks(
      ai.djl.ndarray.NDManager manager, DataType dataType, Shape... inputShapes) {
    long n = inputShapes[0].get(0);
    hidden.initialize(manager, dataType, new Shape(n, input.size()));
    head.initialize(manager, dataType, new Shape(n, 16));
  }

  @Override
  public int featureDim() {
    return 16;
  }

  @Override
  public int numClasses() {
    return classes;
  }

  @Override
  public Linear head() {
    return head;
  }

  @Override
  public Shape inputShape(int batch) {
    return new Shape(batch, input.get(0), input.get(1), input.get(2), input.get(3));
  }

  @Override
  public String name() {
    return "linear-test";
  }
}

package org.sakd.model;

import static org.sakd.model.ConvLayers.batchNorm;
import static org.sakd.model.ConvLayers.conv2d;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * The pre-activation unit of wide residual networks (Zagoruyko & Komodakis, BMVC 2016; He et al.,
 * ECCV 2016): {@code branch(relu(bn(x))) + shortcut}. When the width or stride changes the shortcut
 * is a bias-free 1×1 convolution of the pre-activated input; otherwise it is the raw input, as in
 * the CRD/mdistiller WRN.
 */
final class PreActivationUnit extends AbstractBlock {

  private static final byte VERSION = 1;

  private final Block preActivation;
  private final Block branch;
  private final Block projection;

  PreActivationUnit(long inChannels, int width, int stride) {
    super(VERSION);
    preActivation =
        addChildBlock("preactivation", new SequentialBlock().add(batchNorm()).add(new Relu()));
    branch =
        addChildBlock(
            "branch",
            new SequentialBlock()
                .add(conv2d(width, 3, stride))
                .add(batchNorm())
                .add(new Relu())
                .add(conv2d(width, 3, 1)));
    projection =
        stride == 1 && inChannels == width
            ? null
            : addChildBlock("projection", conv2d(width, 1, stride));
  }

  Block preActivation() {
    return preActivation;
  }

  Block branch() {
    return branch;
  }

  /** The 1×1 projection of the pre-activated input, or null when the shortcut is the raw input. */
  Block projection() {
    return projection;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    NDList activated = preActivation.forward(parameterStore, inputs, training, params);
    NDArray residual =
        branch.forward(parameterStore, activated, training, params).singletonOrThrow();
    NDArray skip =
        projection == null
            ? inputs.singletonOrThrow()
            : projection.forward(parameterStore, activated, training, params).singletonOrThrow();
    return new NDList(residual.add(skip));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return branch.getOutputShapes(inputShapes);
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    preActivation.initialize(manager, dataType, inputShapes);
    branch.initialize(manager, dataType, inputShapes);
    if (projection != null) {
      projection.initialize(manager, dataType, inputShapes);
    }
  }
}

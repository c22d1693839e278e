package org.sakd.model;

import static org.sakd.model.ConvLayers.batchNorm;
import static org.sakd.model.ConvLayers.conv2d;
import static org.sakd.model.ConvLayers.conv3d;
import static org.sakd.model.ConvLayers.shape;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Arrays;

/**
 * A post-activation residual unit {@code relu(branch(x) + shortcut(x))} (He et al., CVPR 2016). The
 * shortcut is the identity when shapes agree, else a 1×1 projection with BatchNorm ("option B").
 */
final class ResidualUnit extends AbstractBlock {

  private static final byte VERSION = 1;

  private final Block branch;
  private final Block shortcut;

  private ResidualUnit(Block branch, Block shortcut) {
    super(VERSION);
    this.branch = addChildBlock("branch", branch);
    this.shortcut = shortcut == null ? null : addChildBlock("shortcut", shortcut);
  }

  /**
   * The basic 3D unit of R3D (Tran et al., CVPR 2018) and SlowFast-R18: two convolutions, the first
   * with a temporal kernel {@code kt} and the unit's stride, the second 1×3×3 (SlowFast) or 3×3×3
   * (R3D, {@code kt2 = 3}).
   */
  static ResidualUnit basic3d(
      long inChannels, int width, int kt, int kt2, int temporalStride, int spatialStride) {
    Shape stride = shape(temporalStride, spatialStride, spatialStride);
    Block branch =
        new SequentialBlock()
            .add(conv3d(width, shape(kt, 3, 3), stride, shape(kt / 2, 1, 1)))
            .add(batchNorm())
            .add(new Relu())
            .add(conv3d(width, shape(kt2, 3, 3), shape(1, 1, 1), shape(kt2 / 2, 1, 1)))
            .add(batchNorm());
    return new ResidualUnit(branch, projection3d(inChannels, width, stride));
  }

  /**
   * The 3D bottleneck of SlowFast-R50/101 (Feichtenhofer et al., ICCV 2019, Table 1): the temporal
   * kernel sits in the first 1×1 convolution, the spatial stride in the 1×3×3 one, and the output
   * is 4× the inner width.
   */
  static ResidualUnit bottleneck3d(long inChannels, int innerWidth, int kt, int spatialStride) {
    int out = 4 * innerWidth;
    Shape stride = shape(1, spatialStride, spatialStride);
    Block branch =
        new SequentialBlock()
            .add(conv3d(innerWidth, shape(kt, 1, 1), shape(1, 1, 1), shape(kt / 2, 0, 0)))
            .add(batchNorm())
            .add(new Relu())
            .add(conv3d(innerWidth, shape(1, 3, 3), stride, shape(0, 1, 1)))
            .add(batchNorm())
            .add(new Relu())
            .add(conv3d(out, shape(1, 1, 1), shape(1, 1, 1), shape(0, 0, 0)))
            .add(batchNorm());
    return new ResidualUnit(branch, projection3d(inChannels, out, stride));
  }

  /** The basic 2D unit of the CIFAR and ImageNet ResNets (He et al., CVPR 2016). */
  static ResidualUnit basic2d(long inChannels, int width, int stride) {
    Block branch =
        new SequentialBlock()
            .add(conv2d(width, 3, stride))
            .add(batchNorm())
            .add(new Relu())
            .add(conv2d(width, 3, 1))
            .add(batchNorm());
    Block shortcut =
        stride == 1 && inChannels == width
            ? null
            : new SequentialBlock().add(conv2d(width, 1, stride)).add(batchNorm());
    return new ResidualUnit(branch, shortcut);
  }

  Block branch() {
    return branch;
  }

  /** The projection shortcut, or null for the identity. */
  Block shortcut() {
    return shortcut;
  }

  private static Block projection3d(long inChannels, int out, Shape stride) {
    boolean identity = inChannels == out && Arrays.stream(stride.getShape()).allMatch(s -> s == 1);
    return identity
        ? null
        : new SequentialBlock()
            .add(conv3d(out, shape(1, 1, 1), stride, shape(0, 0, 0)))
            .add(batchNorm());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    NDArray residual = branch.forward(parameterStore, inputs, training, params).singletonOrThrow();
    NDArray skip =
        shortcut == null
            ? inputs.singletonOrThrow()
            : shortcut.forward(parameterStore, inputs, training, params).singletonOrThrow();
    return new NDList(Activation.relu(residual.add(skip)));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return branch.getOutputShapes(inputShapes);
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    branch.initialize(manager, dataType, inputShapes);
    Shape out = branch.getOutputShapes(inputShapes)[0];
    if (shortcut == null) {
      if (!out.equals(inputShapes[0])) {
        throw new IllegalStateException(
            "identity shortcut needs equal shapes, branch maps " + inputShapes[0] + " to " + out);
      }
    } else {
      shortcut.initialize(manager, dataType, inputShapes);
    }
  }
}

package org.sakd.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * Video Swin's patch merging between stages (Liu et al., CVPR 2022, §3.1): each 2×2 spatial group
 * of tokens is concatenated (4C), layer-normalised and mapped to 2C by a bias-free linear layer;
 * the temporal axis is kept. Odd H or W are padded with a zero row/column first.
 */
final class PatchMerging extends AbstractBlock {

  private static final byte VERSION = 1;

  private final int dim;
  private final LayerNorm norm;
  private final Linear reduction;

  PatchMerging(int dim) {
    super(VERSION);
    this.dim = dim;
    norm = addChildBlock("norm", VideoSwin.layerNorm());
    reduction =
        addChildBlock("reduction", Linear.builder().setUnits(2L * dim).optBias(false).build());
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    Shape s = x.getShape();
    if (s.get(2) % 2 != 0 || s.get(3) % 2 != 0) {
      x = x.pad(new Shape(0, 0, 0, s.get(3) % 2, 0, s.get(2) % 2), 0);
    }
    NDArray merged =
        NDArrays.concat(
            new NDList(
                x.get(new NDIndex(":, :, 0::2, 0::2, :")),
                x.get(new NDIndex(":, :, 1::2, 0::2, :")),
                x.get(new NDIndex(":, :, 0::2, 1::2, :")),
                x.get(new NDIndex(":, :, 1::2, 1::2, :"))),
            4);
    merged = norm.forward(parameterStore, new NDList(merged), training).singletonOrThrow();
    return reduction.forward(parameterStore, new NDList(merged), training);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    Shape x = inputShapes[0];
    return new Shape[] {
      new Shape(x.get(0), x.get(1), (x.get(2) + 1) / 2, (x.get(3) + 1) / 2, 2L * dim)
    };
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape x = inputShapes[0];
    Shape merged = new Shape(x.get(0), x.get(1), (x.get(2) + 1) / 2, (x.get(3) + 1) / 2, 4L * dim);
    norm.initialize(manager, dataType, merged);
    reduction.initialize(manager, dataType, merged);
  }
}

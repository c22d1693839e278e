package org.sakd.model;

import static org.sakd.model.ConvLayers.batchNorm;
import static org.sakd.model.ConvLayers.conv3d;
import static org.sakd.model.ConvLayers.shape;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.ArrayList;
import java.util.List;

/**
 * The SlowFast backbone (Feichtenhofer et al., "SlowFast Networks for Video Recognition", ICCV
 * 2019, Table 1).
 *
 * <p>The fast pathway sees all T frames with β times the slow width and temporal kernels
 * everywhere; the slow pathway sees every α-th frame and uses temporal kernels only in res4/res5.
 * After the stem and after res2, res3, res4 a time-strided lateral convolution (kernel 5×1×1,
 * stride α, 2β·C channels, §3.4 "time-strided convolution") maps fast to slow and is concatenated
 * to the slow features; as in PySlowFast a BatchNorm and ReLU follow it. The output is the
 * concatenation of both pathways' globally pooled features.
 */
final class SlowFast extends AbstractBlock {

  private static final byte VERSION = 1;

  /**
   * @param bottleneck bottleneck units (R50/R101) instead of basic ones (R18)
   * @param blocks units per stage res2…res5
   * @param slowWidth slow stem width (64 in the paper); stage inner widths are slowWidth·2^i
   * @param alpha speed ratio α: the slow pathway takes every α-th frame
   * @param betaInverse 1/β: fast widths are slow widths divided by this
   * @param clipShape one sample's input (C, T, H, W) with T the fast pathway's frame count
   */
  record Spec(
      boolean bottleneck,
      int[] blocks,
      int slowWidth,
      int alpha,
      int betaInverse,
      Shape clipShape) {
    Spec {
      if (blocks.length != 4) {
        throw new IllegalArgumentException(
            "SlowFast has four stages res2..res5, got " + blocks.length);
      }
      if (alpha < 1 || betaInverse < 1 || slowWidth % betaInverse != 0) {
        throw new IllegalArgumentException(
            "need α ≥ 1 and slow width divisible by 1/β, got α="
                + alpha
                + ", slow width "
                + slowWidth
                + ", 1/β="
                + betaInverse);
      }
      blocks = blocks.clone();
    }
  }

  /** Temporal kernel of the lateral connections, paper §3.4. */
  private static final int FUSION_KERNEL = 5;

  private final int alpha;
  private final Block slowStem;
  private final Block fastStem;
  private final List<Block> laterals = new ArrayList<>();
  private final List<Block> slowStages = new ArrayList<>();
  private final List<Block> fastStages = new ArrayList<>();
  private final int featureDim;

  private SlowFast(Spec spec) {
    super(VERSION);
    alpha = spec.alpha();
    int fastWidth = spec.slowWidth() / spec.betaInverse();
    slowStem = addChildBlock("slow_stem", stem(spec.slowWidth(), 1));
    fastStem = addChildBlock("fast_stem", stem(fastWidth, 5));
    long slowChannels = spec.slowWidth();
    long fastChannels = fastWidth;
    int expansion = spec.bottleneck() ? 4 : 1;
    for (int stage = 0; stage < 4; stage++) {
      long lateralChannels = 2 * fastChannels;
      laterals.add(
          addChildBlock(
              "lateral" + stage,
              new SequentialBlock()
                  .add(
                      conv3d(
                          (int) lateralChannels,
                          shape(FUSION_KERNEL, 1, 1),
                          shape(alpha, 1, 1),
                          shape(FUSION_KERNEL / 2, 0, 0)))
                  .add(batchNorm())
                  .add(new Relu())));
      slowChannels += lateralChannels;
      int slowKt = stage < 2 ? 1 : 3;
      SequentialBlock slow = new SequentialBlock();
      SequentialBlock fast = new SequentialBlock();
      int slowInner = spec.slowWidth() << stage;
      int fastInner = fastWidth << stage;
      for (int unit = 0; unit < spec.blocks()[stage]; unit++) {
        int stride = stage > 0 && unit == 0 ? 2 : 1;
        slow.add(unit(spec.bottleneck(), slowChannels, slowInner, slowKt, stride));
        fast.add(unit(spec.bottleneck(), fastChannels, fastInner, 3, stride));
        slowChannels = (long) slowInner * expansion;
        fastChannels = (long) fastInner * expansion;
      }
      slowStages.add(addChildBlock("slow_res" + (stage + 2), slow));
      fastStages.add(addChildBlock("fast_res" + (stage + 2), fast));
    }
    featureDim = (int) (slowChannels + fastChannels);
  }

  static PooledClassifier build(String name, Spec spec, int numClasses) {
    SlowFast backbone = new SlowFast(spec);
    return new PooledClassifier(name, backbone, backbone.featureDim, numClasses, spec.clipShape());
  }

  int alpha() {
    return alpha;
  }

  Block slowStem() {
    return slowStem;
  }

  Block fastStem() {
    return fastStem;
  }

  /** Lateral connections, slow and fast stages of res2…res5, index 0…3. */
  List<Block> laterals() {
    return List.copyOf(laterals);
  }

  List<Block> slowStages() {
    return List.copyOf(slowStages);
  }

  List<Block> fastStages() {
    return List.copyOf(fastStages);
  }

  private static Block stem(int width, int kt) {
    return new SequentialBlock()
        .add(conv3d(width, shape(kt, 7, 7), shape(1, 2, 2), shape(kt / 2, 3, 3)))
        .add(batchNorm())
        .add(new Relu())
        .add(new MaxPool(shape(1, 3, 3), shape(1, 2, 2), shape(0, 1, 1)));
  }

  private static Block unit(
      boolean bottleneck, long inChannels, int inner, int kt, int spatialStride) {
    return bottleneck
        ? ResidualUnit.bottleneck3d(inChannels, inner, kt, spatialStride)
        : ResidualUnit.basic3d(inChannels, inner, kt, 1, 1, spatialStride);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    NDArray frames = inputs.singletonOrThrow();
    // Slow pathway: every α-th frame, ceil(T/α) of them, which matches the lateral conv's output
    // length.
    NDArray slow = frames.get(new NDIndex(":, :, ::{}", alpha));
    slow = slowStem.forward(parameterStore, new NDList(slow), training, params).singletonOrThrow();
    NDArray fast = fastStem.forward(parameterStore, inputs, training, params).singletonOrThrow();
    for (int stage = 0; stage < 4; stage++) {
      NDArray lateral =
          laterals
              .get(stage)
              .forward(parameterStore, new NDList(fast), training, params)
              .singletonOrThrow();
      slow = slow.concat(lateral, 1);
      slow =
          slowStages
              .get(stage)
              .forward(parameterStore, new NDList(slow), training, params)
              .singletonOrThrow();
      fast =
          fastStages
              .get(stage)
              .forward(parameterStore, new NDList(fast), training, params)
              .singletonOrThrow();
    }
    return new NDList(GlobalAveragePool.pool(slow).concat(GlobalAveragePool.pool(fast), 1));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), featureDim)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape x = inputShapes[0];
    if (x.dimension() != 5) {
      throw new IllegalArgumentException("SlowFast takes clips N×C×T×H×W, got " + x);
    }
    Shape slow = new Shape(x.get(0), x.get(1), (x.get(2) + alpha - 1) / alpha, x.get(3), x.get(4));
    slow = initialize(slowStem, manager, dataType, slow);
    Shape fast = initialize(fastStem, manager, dataType, x);
    for (int stage = 0; stage < 4; stage++) {
      Shape lateral = initialize(laterals.get(stage), manager, dataType, fast);
      if (lateral.get(2) != slow.get(2)
          || lateral.get(3) != slow.get(3)
          || lateral.get(4) != slow.get(4)) {
        throw new IllegalStateException(
            "lateral "
                + lateral
                + " does not align with slow pathway "
                + slow
                + " at res"
                + (stage + 2));
      }
      Shape fused =
          new Shape(
              slow.get(0), slow.get(1) + lateral.get(1), slow.get(2), slow.get(3), slow.get(4));
      slow = initialize(slowStages.get(stage), manager, dataType, fused);
      fast = initialize(fastStages.get(stage), manager, dataType, fast);
    }
  }

  private static Shape initialize(Block block, NDManager manager, DataType dataType, Shape input) {
    block.initialize(manager, dataType, input);
    return block.getOutputShapes(new Shape[] {input})[0];
  }
}

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
import ai.djl.nn.pooling.Pool;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;

/**
 * TPN, the Temporal Pyramid Network (Yang, Xu, Dai, Zhou, "Temporal Pyramid Network for Action
 * Recognition", CVPR 2020), on a SlowOnly 3D ResNet: a feature-level pyramid over res4 and res5.
 *
 * <p><b>Backbone.</b> ResNet-50/101 bottlenecks with a 1×7×7 stem, no temporal stride anywhere, and
 * 3×1×1 temporal kernels in the first convolution of every res4 and res5 unit (I3D-style inflation
 * of res4/res5 only, as in SlowOnly and the TPN Kinetics models); res4 has C₄ = 16·w channels, res5
 * C₅ = 32·w (w = 64 for R50/R101).
 *
 * <p><b>Neck</b> (paper §3.2–3.4), with the widths of the published Kinetics-400 models:
 *
 * <ul>
 *   <li><i>Spatial semantic modulation</i>: res4 goes through a 1×3×3 stride-(1,2,2) convolution to
 *       res5's grid and width (C₄→C₅, BN, ReLU); res5 passes unchanged.
 *   <li><i>Temporal rate modulation</i>: each level gets a 3×1×1 convolution with 32 groups (C₅→C₄,
 *       no normalisation) and a temporal max-pool of its rate α (ceil mode), so level i keeps
 *       ⌈T/αᵢ⌉ steps. The rates of the upper level must be a multiple m of the lower one's.
 *   <li><i>Information flow</i>, cascaded: top-down, the lower level adds the upper one repeated m
 *       times in time (nearest upsampling); then bottom-up, the upper level adds the lower one
 *       after a 3×1×1 convolution (C₄→C₄) and a temporal max-pool of m.
 *   <li><i>Final fusion</i>: each flow's two levels are aligned in time (the lower one max-pooled
 *       by m), mapped by a 1×1×1 convolution with 32 groups (C₄→C₄, BN, ReLU), concatenated and
 *       fused by a 1×1×1 convolution (2C₄→C₅, BN, ReLU); the two flows are concatenated and fused
 *       by a last 1×1×1 convolution (2C₅→C₅, BN, ReLU).
 * </ul>
 *
 * Global average pooling then gives the C₅-wide feature that the zoo's linear head maps to logits.
 *
 * <p><b>Not built:</b> TPN's auxiliary head (a convolution and a classifier on res4, trained with a
 * 0.5-weighted cross-entropy). It is a training-time loss only and does not change the logits;
 * without it the parameter counts equal the SAKD paper's Table 3 (see ModelRegistryTest), with it
 * they would be 19.70 M larger at 400 classes. The dropout before the published head is left out,
 * as in every network of this zoo.
 */
final class Tpn extends AbstractBlock {

  private static final byte VERSION = 1;

  /** Groups of the neck's temporal-modulation and level-fusion convolutions (TPN's models). */
  static final int GROUPS = 32;

  /**
   * @param blocks bottleneck units per stage res2…res5 (R50: 3, 4, 6, 3; R101: 3, 4, 23, 3)
   * @param stemWidth stem channels w; stage inner widths are w·2^i, outputs 4w·2^i
   * @param lowerRate temporal rate α of the res4 level
   * @param upperRate temporal rate α of the res5 level, a multiple of {@code lowerRate}
   * @param clipShape one sample's input (C, T, H, W)
   */
  record Spec(int[] blocks, int stemWidth, int lowerRate, int upperRate, Shape clipShape) {
    Spec {
      if (blocks.length != 4) {
        throw new IllegalArgumentException("TPN's backbone has four stages, got " + blocks.length);
      }
      if (stemWidth < 2 || (16 * stemWidth) % GROUPS != 0) {
        throw new IllegalArgumentException(
            "stem width must be even (the neck's res4 width 16·w splits into "
                + GROUPS
                + " groups), got "
                + stemWidth);
      }
      if (lowerRate < 1 || upperRate < lowerRate || upperRate % lowerRate != 0) {
        throw new IllegalArgumentException(
            "temporal rates must be ≥ 1 with the res5 rate a multiple of the res4 rate, got "
                + lowerRate
                + " and "
                + upperRate);
      }
      blocks = blocks.clone();
    }
  }

  private final int lowerRate;
  private final int upperRate;

  /** Upper rate / lower rate: the time resampling factor between the two levels. */
  private final int ratio;

  private final int levelWidth;
  private final int featureDim;
  private final Block stem;
  private final Block res2;
  private final Block res3;
  private final Block res4;
  private final Block res5;
  private final Block spatialModulation;
  private final Block lowerTemporalModulation;
  private final Block upperTemporalModulation;
  private final Block bottomUpConv;
  private final LevelFusion topDownFusion;
  private final LevelFusion bottomUpFusion;
  private final Block pyramidFusion;

  private Tpn(Spec spec) {
    super(VERSION);
    lowerRate = spec.lowerRate();
    upperRate = spec.upperRate();
    ratio = upperRate / lowerRate;
    int w = spec.stemWidth();
    levelWidth = 16 * w;
    featureDim = 32 * w;
    stem =
        addChildBlock(
            "stem",
            new SequentialBlock()
                .add(conv3d(w, shape(1, 7, 7), shape(1, 2, 2), shape(0, 3, 3)))
                .add(batchNorm())
                .add(new Relu())
                .add(new MaxPool(shape(1, 3, 3), shape(1, 2, 2), shape(0, 1, 1))));
    long channels = w;
    Block[] stages = new Block[4];
    for (int stage = 0; stage < 4; stage++) {
      int inner = w << stage;
      int kt = stage < 2 ? 1 : 3;
      SequentialBlock units = new SequentialBlock();
      for (int unit = 0; unit < spec.blocks()[stage]; unit++) {
        int stride = stage > 0 && unit == 0 ? 2 : 1;
        units.add(ResidualUnit.bottleneck3d(channels, inner, kt, stride));
        channels = 4L * inner;
      }
      stages[stage] = addChildBlock("res" + (stage + 2), units);
    }
    res2 = stages[0];
    res3 = stages[1];
    res4 = stages[2];
    res5 = stages[3];
    spatialModulation =
        addChildBlock(
            "spatial_modulation",
            convBnRelu(featureDim, shape(1, 3, 3), shape(1, 2, 2), shape(0, 1, 1), 1));
    lowerTemporalModulation =
        addChildBlock(
            "temporal_modulation_res4",
            conv3d(levelWidth, shape(3, 1, 1), shape(1, 1, 1), shape(1, 0, 0), GROUPS));
    upperTemporalModulation =
        addChildBlock(
            "temporal_modulation_res5",
            conv3d(levelWidth, shape(3, 1, 1), shape(1, 1, 1), shape(1, 0, 0), GROUPS));
    bottomUpConv =
        addChildBlock(
            "bottom_up", conv3d(levelWidth, shape(3, 1, 1), shape(1, 1, 1), shape(1, 0, 0)));
    topDownFusion =
        addChildBlock("top_down_fusion", new LevelFusion(levelWidth, featureDim, ratio));
    bottomUpFusion =
        addChildBlock("bottom_up_fusion", new LevelFusion(levelWidth, featureDim, ratio));
    pyramidFusion =
        addChildBlock(
            "pyramid_fusion",
            convBnRelu(featureDim, shape(1, 1, 1), shape(1, 1, 1), shape(0, 0, 0), 1));
  }

  static PooledClassifier build(String name, Spec spec, int numClasses) {
    Tpn backbone = new Tpn(spec);
    return new PooledClassifier(name, backbone, backbone.featureDim, numClasses, spec.clipShape());
  }

  private static SequentialBlock convBnRelu(
      int filters, Shape kernel, Shape stride, Shape padding, int groups) {
    return new SequentialBlock()
        .add(conv3d(filters, kernel, stride, padding, groups))
        .add(batchNorm())
        .add(new Relu());
  }

  /**
   * Temporal max-pooling by {@code rate} in ceil mode: ⌈T/rate⌉ steps, each the maximum of its
   * window. A rate above T pools the whole clip (one step), the same as a larger ceil-mode window.
   */
  static NDArray temporalMaxPool(NDArray x, int rate) {
    long t = x.getShape().get(2);
    long k = Math.min(rate, t);
    if (k == 1) {
      return x;
    }
    return Pool.maxPool3d(x, shape(k, 1, 1), shape(k, 1, 1), shape(0, 0, 0), true);
  }

  /** Steps left after {@link #temporalMaxPool}. */
  static long pooledLength(long t, int rate) {
    long k = Math.min(rate, t);
    return (t + k - 1) / k;
  }

  /**
   * Nearest upsampling in time by {@code factor}, cut to {@code length}: step i of the result is
   * step ⌊i/factor⌋ of x, which undoes the windows of {@link #temporalMaxPool} by the same factor.
   */
  static NDArray temporalUpsample(NDArray x, int factor, long length) {
    Shape s = x.getShape();
    if (s.get(2) == length) {
      return x;
    }
    NDArray repeated =
        x.expandDims(3)
            .broadcast(new Shape(s.get(0), s.get(1), s.get(2), factor, s.get(3), s.get(4)))
            .reshape(s.get(0), s.get(1), s.get(2) * factor, s.get(3), s.get(4));
    return repeated.get(new NDIndex(":, :, :{}", length));
  }

  private static NDArray run(
      Block block,
      NDArray x,
      ParameterStore ps,
      boolean training,
      PairList<String, Object> params) {
    return block.forward(ps, new NDList(x), training, params).singletonOrThrow();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
    NDArray x = run(stem, inputs.singletonOrThrow(), ps, training, params);
    x = run(res3, run(res2, x, ps, training, params), ps, training, params);
    NDArray c4 = run(res4, x, ps, training, params);
    NDArray c5 = run(res5, c4, ps, training, params);
    // Spatial semantic modulation: res4 on res5's grid with res5's width.
    NDArray s4 = run(spatialModulation, c4, ps, training, params);
    // Temporal rate modulation.
    NDArray lower =
        temporalMaxPool(run(lowerTemporalModulation, s4, ps, training, params), lowerRate);
    NDArray upper =
        temporalMaxPool(run(upperTemporalModulation, c5, ps, training, params), upperRate);
    // Information flow, cascaded: top-down first, then bottom-up over the top-down lower level.
    lower = lower.add(temporalUpsample(upper, ratio, lower.getShape().get(2)));
    NDArray topDown =
        topDownFusion.forward(ps, new NDList(lower, upper), training, params).singletonOrThrow();
    upper = upper.add(temporalMaxPool(run(bottomUpConv, lower, ps, training, params), ratio));
    NDArray bottomUp =
        bottomUpFusion.forward(ps, new NDList(lower, upper), training, params).singletonOrThrow();
    NDArray fused = run(pyramidFusion, topDown.concat(bottomUp, 1), ps, training, params);
    return new NDList(GlobalAveragePool.pool(fused));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), featureDim)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape x = inputShapes[0];
    if (x.dimension() != 5) {
      throw new IllegalArgumentException("TPN takes clips N×C×T×H×W, got " + x);
    }
    x = initialize(stem, manager, dataType, x);
    x = initialize(res2, manager, dataType, x);
    x = initialize(res3, manager, dataType, x);
    Shape c4 = initialize(res4, manager, dataType, x);
    Shape c5 = initialize(res5, manager, dataType, c4);
    Shape s4 = initialize(spatialModulation, manager, dataType, c4);
    if (!s4.equals(c5)) {
      throw new IllegalStateException(
          "spatial modulation maps res4 " + c4 + " to " + s4 + ", not res5's " + c5);
    }
    Shape level = initialize(lowerTemporalModulation, manager, dataType, s4);
    initialize(upperTemporalModulation, manager, dataType, c5);
    long t = level.get(2);
    Shape lower = withLength(level, pooledLength(t, lowerRate));
    Shape upper = withLength(level, pooledLength(t, upperRate));
    initialize(bottomUpConv, manager, dataType, lower);
    Shape fusion = initialize(topDownFusion, manager, dataType, lower, upper);
    initialize(bottomUpFusion, manager, dataType, lower, upper);
    initialize(pyramidFusion, manager, dataType, withChannels(fusion, 2 * fusion.get(1)));
  }

  private static Shape withLength(Shape s, long t) {
    return new Shape(s.get(0), s.get(1), t, s.get(3), s.get(4));
  }

  private static Shape withChannels(Shape s, long c) {
    return new Shape(s.get(0), c, s.get(2), s.get(3), s.get(4));
  }

  private static Shape initialize(
      Block block, NDManager manager, DataType dataType, Shape... inputs) {
    block.initialize(manager, dataType, inputs);
    return block.getOutputShapes(inputs)[0];
  }

  /**
   * One flow's final fusion: the lower level max-pooled by the rate ratio to the upper level's
   * length, each level through a grouped 1×1×1 convolution (BN, ReLU), concatenated and fused by a
   * 1×1×1 convolution (BN, ReLU). Input {@code NDList(lower, upper)}, both of the level width.
   */
  private static final class LevelFusion extends AbstractBlock {

    private final int ratio;
    private final int outWidth;
    private final Block lower;
    private final Block upper;
    private final Block fuse;

    LevelFusion(int levelWidth, int outWidth, int ratio) {
      super(VERSION);
      this.ratio = ratio;
      this.outWidth = outWidth;
      lower = addChildBlock("lower", pointwise(levelWidth, GROUPS));
      upper = addChildBlock("upper", pointwise(levelWidth, GROUPS));
      fuse = addChildBlock("fuse", pointwise(outWidth, 1));
    }

    private static Block pointwise(int filters, int groups) {
      return convBnRelu(filters, shape(1, 1, 1), shape(1, 1, 1), shape(0, 0, 0), groups);
    }

    @Override
    protected NDList forwardInternal(
        ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
      NDArray low = temporalMaxPool(inputs.get(0), ratio);
      low = lower.forward(ps, new NDList(low), training, params).singletonOrThrow();
      NDArray up =
          upper.forward(ps, new NDList(inputs.get(1)), training, params).singletonOrThrow();
      return fuse.forward(ps, new NDList(low.concat(up, 1)), training, params);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
      Shape up = inputShapes[1];
      return new Shape[] {new Shape(up.get(0), outWidth, up.get(2), up.get(3), up.get(4))};
    }

    @Override
    protected void initializeChildBlocks(
        NDManager manager, DataType dataType, Shape... inputShapes) {
      Shape low = inputShapes[0];
      Shape up = inputShapes[1];
      if (pooledLength(low.get(2), ratio) != up.get(2)) {
        throw new IllegalStateException(
            "level fusion: lower level " + low + " pooled by " + ratio + " does not match " + up);
      }
      Shape a = Tpn.initialize(lower, manager, dataType, withLength(low, up.get(2)));
      Shape b = Tpn.initialize(upper, manager, dataType, up);
      Tpn.initialize(fuse, manager, dataType, withChannels(a, a.get(1) + b.get(1)));
    }
  }
}

package org.sakd.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Activation;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * One Video Swin Transformer block (Liu et al., CVPR 2022, §3.2) on channels-last features
 * N×T×H×W×C, pre-norm:
 *
 * <pre>
 *   x ← x + (S)W-MSA(LN(x)),   x ← x + MLP(LN(x)),   MLP = Linear(C→4C) · GELU · Linear(4C→C)
 * </pre>
 *
 * W-MSA is multi-head self-attention inside non-overlapping 3D windows, softmax(QKᵀ/√d + B)V, with
 * B looked up in a learned relative-position bias table of (2Wt−1)(2Wh−1)(2Ww−1) rows × heads. The
 * shifted variant (every second block) first rolls the feature by half a window, so windows
 * straddle the previous partition, and masks attention between tokens that the roll brought
 * together from different regions. Drop path and dropout are left out (the paper trains with
 * stochastic depth; neither changes the parameters or the inference forward).
 */
final class SwinBlock extends AbstractBlock {

  private static final byte VERSION = 1;
  private static final int MLP_RATIO = 4;

  private final int dim;
  private final int heads;
  private final long[] window;
  private final boolean shifted;
  private final LayerNorm norm1;
  private final Linear qkv;
  private final Linear proj;
  private final LayerNorm norm2;
  private final Linear fc1;
  private final Linear fc2;
  private final Parameter biasTable;

  /**
   * Index and mask arrays by window geometry, made once and kept for the block's life (autograd may
   * hold them until a backward runs). They live on {@link #constantsManager}, a child of the
   * manager the parameters were made on.
   */
  private final Map<List<Long>, NDArray> constants = new HashMap<>();

  private NDManager constantsManager;

  /**
   * @param window the configured window (T, H, W)
   * @param shifted whether this block attends in shifted windows (SW-MSA)
   */
  SwinBlock(int dim, int heads, long[] window, boolean shifted) {
    super(VERSION);
    if (dim % heads != 0) {
      throw new IllegalArgumentException(dim + " channels do not split into " + heads + " heads");
    }
    this.dim = dim;
    this.heads = heads;
    this.window = window.clone();
    this.shifted = shifted;
    norm1 = addChildBlock("norm1", VideoSwin.layerNorm());
    qkv = addChildBlock("qkv", Linear.builder().setUnits(3L * dim).build());
    proj = addChildBlock("proj", Linear.builder().setUnits(dim).build());
    norm2 = addChildBlock("norm2", VideoSwin.layerNorm());
    fc1 = addChildBlock("fc1", Linear.builder().setUnits((long) MLP_RATIO * dim).build());
    fc2 = addChildBlock("fc2", Linear.builder().setUnits(dim).build());
    biasTable =
        addParameter(
            Parameter.builder()
                .setName("relative_position_bias_table")
                .setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(ShiftedWindows.tableSize(this.window), heads))
                .build());
  }

  /**
   * Whether the parameter is a relative-position bias table (the paper's counts leave them out).
   */
  static boolean isBiasTable(String parameterName) {
    return parameterName.endsWith("relative_position_bias_table");
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    Shape s = x.getShape();
    long n = s.get(0);
    ShiftedWindows.Geometry g =
        ShiftedWindows.Geometry.of(new long[] {s.get(1), s.get(2), s.get(3)}, window, shifted);

    NDArray y = norm1.forward(parameterStore, new NDList(x), training).singletonOrThrow();
    if (g.isPadded()) {
      long[] size = g.size();
      long[] padded = g.padded();
      // constant_pad_nd pairs run from the last axis: C, W, H, T.
      y =
          y.pad(
              new Shape(
                  0, 0, 0, padded[2] - size[2], 0, padded[1] - size[1], 0, padded[0] - size[0]),
              0);
    }
    if (g.isShifted()) {
      y = ShiftedWindows.roll(y, g.shift(), false);
    }
    NDArray windows = ShiftedWindows.partition(y, g);
    NDArray attended = attention(parameterStore, windows, g, training);
    y = ShiftedWindows.merge(attended, g, n);
    if (g.isShifted()) {
      y = ShiftedWindows.roll(y, g.shift(), true);
    }
    if (g.isPadded()) {
      long[] size = g.size();
      y = y.get(new NDIndex(":, :{}, :{}, :{}, :", size[0], size[1], size[2]));
    }
    x = x.add(y);

    NDArray h = norm2.forward(parameterStore, new NDList(x), training).singletonOrThrow();
    h = fc1.forward(parameterStore, new NDList(h), training).singletonOrThrow();
    h = Activation.gelu(h);
    h = fc2.forward(parameterStore, new NDList(h), training).singletonOrThrow();
    return new NDList(x.add(h));
  }

  /** Multi-head attention within each window: B×V×C → B×V×C, B = N·nW, V tokens per window. */
  private NDArray attention(
      ParameterStore parameterStore, NDArray windows, ShiftedWindows.Geometry g, boolean training) {
    long b = windows.getShape().get(0);
    long volume = g.volume();
    long headDim = dim / heads;
    NDArray qkvOut =
        qkv.forward(parameterStore, new NDList(windows), training)
            .singletonOrThrow()
            .reshape(b, volume, 3, heads, headDim)
            .transpose(2, 0, 3, 1, 4);
    // The scale 1/√d as a 0-d tensor in PyTorch's memory: autograd keeps it for backward (see
    // docs/DESIGN.md, "A constant in a differentiable op lives in PyTorch's memory").
    NDArray q = qkvOut.get(0);
    NDArray scale =
        q.getManager().full(new Shape(), (float) (1 / Math.sqrt(headDim)), q.getDataType());
    q = q.mul(scale);
    NDArray k = qkvOut.get(1);
    NDArray v = qkvOut.get(2);
    NDArray logits = q.matMul(k.transpose(0, 1, 3, 2)); // B×heads×V×V

    NDArray table = parameterStore.getValue(biasTable, windows.getDevice(), training);
    NDArray bias =
        table
            .get(new NDIndex("{}", relativePositionIndex(g)))
            .reshape(volume, volume, heads)
            .transpose(2, 0, 1);
    logits = logits.add(bias);
    if (g.isShifted()) {
      long count = g.count();
      logits =
          logits
              .reshape(b / count, count, heads, volume, volume)
              .add(mask(g).expandDims(1))
              .reshape(b, heads, volume, volume);
    }
    NDArray out = logits.softmax(-1).matMul(v).transpose(0, 2, 1, 3).reshape(b, volume, (long) dim);
    return proj.forward(parameterStore, new NDList(out), training).singletonOrThrow();
  }

  private NDArray relativePositionIndex(ShiftedWindows.Geometry g) {
    List<Long> key = List.of(0L, g.window()[0], g.window()[1], g.window()[2]);
    return constant(key, m -> ShiftedWindows.relativePositionIndex(m, g.window(), window));
  }

  private NDArray mask(ShiftedWindows.Geometry g) {
    long[] p = g.padded();
    long[] w = g.window();
    long[] s = g.shift();
    List<Long> key = List.of(1L, p[0], p[1], p[2], w[0], w[1], w[2], s[0], s[1], s[2]);
    return constant(key, m -> ShiftedWindows.attentionMask(m, g));
  }

  private synchronized NDArray constant(List<Long> key, Function<NDManager, NDArray> make) {
    if (constantsManager == null || !constantsManager.isOpen()) {
      // Loaded without initialize(): hang the constants on the parameters' manager.
      constantsManager = biasTable.getArray().getManager().newSubManager();
      constants.clear();
    }
    return constants.computeIfAbsent(key, k -> make.apply(constantsManager));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {inputShapes[0]};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape x = inputShapes[0];
    if (x.dimension() != 5 || x.get(4) != dim) {
      throw new IllegalArgumentException("expected N×T×H×W×" + dim + ", got " + x);
    }
    norm1.initialize(manager, dataType, x);
    qkv.initialize(manager, dataType, x);
    proj.initialize(manager, dataType, x);
    norm2.initialize(manager, dataType, x);
    fc1.initialize(manager, dataType, x);
    fc2.initialize(manager, dataType, x.slice(0, 4).add((long) MLP_RATIO * dim));
    synchronized (this) {
      if (constantsManager != null) {
        constantsManager.close();
      }
      constantsManager = manager.newSubManager();
      constants.clear();
    }
  }

  @Override
  public String toString() {
    return "SwinBlock(C="
        + dim
        + ", heads="
        + heads
        + ", window="
        + Arrays.toString(window)
        + (shifted ? ", shifted)" : ")");
  }
}

package org.sakd.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv1d;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.convolutional.Conv3d;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.util.Pair;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.sakd.onnx.OnnxGraph;
import org.sakd.onnx.OnnxGraph.Attribute;
import org.sakd.onnx.OnnxGraph.Dim;
import org.sakd.onnx.proto.ModelProto;

/**
 * Writes a zoo network as an ONNX inference graph (opset {@value OnnxGraph#OPSET}) by walking its
 * block tree: every block type the zoo is built from maps to standard operators with the same
 * arithmetic as the DJL forward in inference mode, and any other block is refused by name — never a
 * graph that computes something else.
 *
 * <p>The graph takes {@code clip} N×C×T×H×W (T fixed to 1 for image networks; N, T, H and W
 * symbolic, as the DJL forward accepts any clip size) and returns {@code logits} N×K and {@code
 * feature} N×D, the outputs of {@link Classifier}. Operator semantics cited below are from the ONNX
 * operator documentation (https://onnx.ai/onnx/operators/), at the version opset 17 selects.
 */
public final class OnnxExport {

  /** Producer written into the model. */
  public static final String PRODUCER = "sakd";

  public static final String PRODUCER_VERSION = "0.1.0";

  /** Block types the walker lowers; named in the error for any other. */
  static final String SUPPORTED =
      "SequentialBlock, Conv1d/Conv2d/Conv3d, BatchNorm, Linear, Relu, MaxPool, ResidualUnit,"
          + " PreActivationUnit, GlobalAveragePool, SingleFrame, SlowFast";

  private final OnnxGraph graph;

  private OnnxExport(String name) {
    graph = new OnnxGraph(name);
  }

  /**
   * The ONNX model of {@code block} (a zoo network, initialised) with {@code metadata} as its
   * {@code metadata_props}.
   *
   * @throws IllegalArgumentException when the block is not a zoo network or contains a block type
   *     this exporter does not know (named with its place in the tree)
   */
  public static ModelProto export(Block block, Map<String, String> metadata) {
    if (!(block instanceof PooledClassifier net)) {
      throw new IllegalArgumentException(
          "ONNX export takes the built-in networks ("
              + String.join(", ", ModelRegistry.names())
              + "); got "
              + describe(block)
              + (block instanceof TorchScriptNet
                  ? " (a TorchScript module exports as --format torchscript)"
                  : ""));
    }
    if (!block.isInitialized()) {
      throw new IllegalArgumentException(net.name() + " is not initialised; nothing to export");
    }
    OnnxExport e = new OnnxExport(net.name());
    Shape in = net.inputShape(1);
    boolean image = in.get(2) == 1;
    String clip =
        e.graph.input(
            "clip",
            Dim.of("N"),
            Dim.of(in.get(1)),
            image ? Dim.of(1) : Dim.of("T"),
            Dim.of("H"),
            Dim.of("W"));
    String feature = e.lower(net.backbone(), clip, "backbone");
    String logits = e.linear(net.head(), feature, "head");
    e.graph.output(logits, "logits", Dim.of("N"), Dim.of(net.numClasses()));
    e.graph.output(feature, "feature", Dim.of("N"), Dim.of(net.featureDim()));
    return e.graph.model(PRODUCER, PRODUCER_VERSION, metadata);
  }

  /** Emits the nodes of {@code block} applied to value {@code in}; returns the output value. */
  private String lower(Block block, String in, String path) {
    if (block.getClass() == SequentialBlock.class) {
      String x = in;
      for (Pair<String, Block> child : block.getChildren()) {
        x = lower(child.getValue(), x, path + "." + child.getKey());
      }
      return x;
    }
    Class<?> type = block.getClass();
    if (type == Conv1d.class || type == Conv2d.class || type == Conv3d.class) {
      return conv((Convolution) block, in, path);
    }
    if (type == BatchNorm.class) {
      return batchNorm((BatchNorm) block, in, path);
    }
    if (type == Linear.class) {
      return linear((Linear) block, in, path);
    }
    if (block instanceof Relu) {
      return relu(in, path);
    }
    if (block instanceof MaxPool pool) {
      return maxPool(pool, in, path);
    }
    if (block instanceof ResidualUnit unit) {
      // relu(branch(x) + shortcut(x)), ResidualUnit.forwardInternal
      String residual = lower(unit.branch(), in, path + ".branch");
      String skip = unit.shortcut() == null ? in : lower(unit.shortcut(), in, path + ".shortcut");
      return relu(graph.node("Add", path + ".add", List.of(residual, skip)), path);
    }
    if (block instanceof PreActivationUnit unit) {
      // branch(relu(bn(x))) + (projection(relu(bn(x))) or x), PreActivationUnit.forwardInternal
      String activated = lower(unit.preActivation(), in, path + ".preactivation");
      String residual = lower(unit.branch(), activated, path + ".branch");
      String skip =
          unit.projection() == null
              ? in
              : lower(unit.projection(), activated, path + ".projection");
      return graph.node("Add", path + ".add", List.of(residual, skip));
    }
    if (block instanceof GlobalAveragePool) {
      return globalAveragePool(in, path);
    }
    if (block instanceof SingleFrame) {
      // Squeeze-13 takes the axes as an int64 input; it fails on a T that is not 1, as
      // SingleFrame does
      return graph.node("Squeeze", path, List.of(in, graph.int64s(path + ".axes", 2)));
    }
    if (block instanceof SlowFast slowFast) {
      return slowFast(slowFast, in, path);
    }
    throw new IllegalArgumentException(
        "ONNX export does not support block "
            + describe(block)
            + " at "
            + path
            + "; supported: "
            + SUPPORTED);
  }

  /**
   * Conv-11: kernel_shape, strides, dilations, group, and pads as [x1_begin, x2_begin, …, x1_end,
   * x2_end]; DJL pads each spatial axis symmetrically. W is filters × (C / group) × kernel.
   */
  private String conv(Convolution conv, String in, String path) {
    Shape kernel = conv.getKernelShape();
    int spatial = kernel.dimension();
    long[] pads = new long[2 * spatial];
    for (int i = 0; i < spatial; i++) {
      pads[i] = conv.getPadding().get(i);
      pads[i + spatial] = conv.getPadding().get(i);
    }
    List<String> inputs = new ArrayList<>(List.of(in, weight(conv, "weight", path)));
    if (conv.isIncludeBias()) {
      inputs.add(weight(conv, "bias", path));
    }
    return graph.node(
        "Conv",
        path,
        inputs,
        Attribute.ints("kernel_shape", kernel.getShape()),
        Attribute.ints("strides", conv.getStride().getShape()),
        Attribute.ints("dilations", conv.getDilation().getShape()),
        Attribute.ints("pads", pads),
        Attribute.integer("group", conv.getGroups()));
  }

  /**
   * BatchNormalization-15 with training_mode 0 (its default): Y = (X − input_mean) / sqrt(input_var
   * + epsilon) · scale + B over axis 1, which is DJL's inference-mode batch norm with gamma =
   * scale, beta = B and the running statistics.
   */
  private String batchNorm(BatchNorm bn, String in, String path) {
    int axis = (int) privateField(bn, "axis");
    float epsilon = (float) privateField(bn, "epsilon");
    if (axis != 1) {
      throw new IllegalArgumentException(
          "ONNX BatchNormalization normalises axis 1; the BatchNorm at "
              + path
              + " normalises axis "
              + axis);
    }
    return graph.node(
        "BatchNormalization",
        path,
        List.of(
            in,
            weight(bn, "gamma", path),
            weight(bn, "beta", path),
            weight(bn, "runningMean", path),
            weight(bn, "runningVar", path)),
        Attribute.real("epsilon", epsilon));
  }

  /**
   * Gemm-13 with transB = 1: Y = A·Bᵀ + C, DJL's Linear (weight units × in, bias units) on an N×D
   * input.
   */
  private String linear(Linear linear, String in, String path) {
    List<String> inputs = new ArrayList<>(List.of(in, weight(linear, "weight", path)));
    if (linear.getDirectParameters().contains("bias")) {
      inputs.add(weight(linear, "bias", path));
    }
    return graph.node("Gemm", path, inputs, Attribute.integer("transB", 1));
  }

  private String relu(String in, String path) {
    return graph.node("Relu", path + ".relu", List.of(in));
  }

  /**
   * MaxPool-12, ceil_mode 0 (floor, as {@link MaxPool}); padded cells never win the max in either
   * (ONNX pads are excluded from the reduction, PyTorch pads with −∞).
   */
  private String maxPool(MaxPool pool, String in, String path) {
    int spatial = pool.kernel().dimension();
    long[] pads = new long[2 * spatial];
    for (int i = 0; i < spatial; i++) {
      pads[i] = pool.padding().get(i);
      pads[i + spatial] = pool.padding().get(i);
    }
    return graph.node(
        "MaxPool",
        path,
        List.of(in),
        Attribute.ints("kernel_shape", pool.kernel().getShape()),
        Attribute.ints("strides", pool.stride().getShape()),
        Attribute.ints("pads", pads),
        Attribute.integer("ceil_mode", 0));
  }

  /**
   * The mean over every axis after the channel axis: GlobalAveragePool-1 (N×C×1×…×1) then
   * Flatten-13 with axis 1 (N×C), valid for clips and images alike.
   */
  private String globalAveragePool(String in, String path) {
    String pooled = graph.node("GlobalAveragePool", path, List.of(in));
    return graph.node("Flatten", path + ".flatten", List.of(pooled), Attribute.integer("axis", 1));
  }

  /** {@link SlowFast#forwardInternal} step by step. */
  private String slowFast(SlowFast net, String frames, String path) {
    // every α-th frame: Slice-13 on axis 2 from 0 with step α; an end past the axis is clamped to
    // its length, so it yields ceil(T/α) frames like NDIndex "::α"
    String slow =
        graph.node(
            "Slice",
            path + ".slow_frames",
            List.of(
                frames,
                graph.int64s(path + ".starts", 0),
                graph.int64s(path + ".ends", Long.MAX_VALUE),
                graph.int64s(path + ".axes", 2),
                graph.int64s(path + ".steps", net.alpha())));
    slow = lower(net.slowStem(), slow, path + ".slow_stem");
    String fast = lower(net.fastStem(), frames, path + ".fast_stem");
    for (int stage = 0; stage < 4; stage++) {
      String lateral = lower(net.laterals().get(stage), fast, path + ".lateral" + stage);
      // Concat-13 along channels: slow.concat(lateral, 1)
      slow =
          graph.node(
              "Concat",
              path + ".fuse" + stage,
              List.of(slow, lateral),
              Attribute.integer("axis", 1));
      slow = lower(net.slowStages().get(stage), slow, path + ".slow_res" + (stage + 2));
      fast = lower(net.fastStages().get(stage), fast, path + ".fast_res" + (stage + 2));
    }
    return graph.node(
        "Concat",
        path + ".pooled",
        List.of(
            globalAveragePool(slow, path + ".slow_pool"),
            globalAveragePool(fast, path + ".fast_pool")),
        Attribute.integer("axis", 1));
  }

  /** A parameter of {@code block} as a float initializer named after its place in the tree. */
  private String weight(Block block, String parameter, String path) {
    Parameter p = block.getDirectParameters().get(parameter);
    if (p == null || !p.isInitialized()) {
      throw new IllegalStateException(
          path + " has no initialised parameter '" + parameter + "'; initialise the network");
    }
    NDArray a = p.getArray();
    return graph.floats(path + "." + parameter, a.getShape().getShape(), a.toFloatArray());
  }

  /**
   * DJL's BatchNorm keeps its axis and epsilon in private fields without getters; they decide the
   * arithmetic, so they are read rather than assumed.
   */
  private static Object privateField(BatchNorm bn, String name) {
    try {
      Field f = BatchNorm.class.getDeclaredField(name);
      f.setAccessible(true);
      return f.get(bn);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException(
          "cannot read BatchNorm." + name + " from DJL (" + e + "); ONNX export needs it", e);
    }
  }

  private static String describe(Block block) {
    return block == null ? "null" : block.getClass().getSimpleName();
  }
}

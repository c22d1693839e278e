package org.sakd.model;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.convolutional.Conv3d;
import ai.djl.nn.convolutional.Convolution;
import ai.djl.nn.core.Linear;
import ai.djl.nn.norm.BatchNorm;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.IValue;
import ai.djl.pytorch.jni.IValueUtils;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A zoo network compiled to TorchScript ({@code model.compile = torchscript}): the block tree of a
 * {@link PooledClassifier} is written as one TorchScript module ({@link TorchScriptArchive}) whose
 * {@code forward} is the same sequence of aten operators, and libtorch runs it in one call instead
 * of one JNI call and one DJL wrapper per operator. Backward is libtorch's autograd either way.
 *
 * <p>The module's tensors are the training-time parameters: this block's {@link #getParameters}
 * hands them out under the source network's names, types and gradient flags, so the optimizer, the
 * finite checks and the all-reduce treat it like the source. The source block stays as the
 * serialised form: {@link #saveParameters} copies the module's values into it and writes exactly
 * what the source would (a checkpoint of a compiled run is a checkpoint of the network), and {@link
 * #loadParameters} reads into it and copies the values into the module in place, so the parameter
 * objects (and whoever holds them) stay valid. Batch-norm running statistics are module parameters
 * without gradient, so the module's in-place updates reach the checkpoint.
 *
 * <p>Supported blocks: {@link PooledClassifier}, {@link SequentialBlock}, {@link Conv2d}, {@link
 * Conv3d}, {@link BatchNorm} (DJL's default ε and momentum, as {@link ConvLayers#batchNorm} builds
 * it), {@link Relu}, {@link MaxPool}, {@link ResidualUnit}, {@link GlobalAveragePool} and {@link
 * SlowFast}: the R3D and SlowFast networks. Anything else is refused by {@link #compile} with the
 * block it cannot write.
 */
public final class ScriptedClassifier extends ModuleBackedBlock {

  // DJL's BatchNorm defaults (BatchNorm.BaseBuilder): ε 1e-5, momentum 0.9 as the weight of the
  // running value; its PyTorch engine passes torch the complement 1 − 0.9 computed in float
  private static final double BN_EPS = 1e-5f;
  private static final double BN_MOMENTUM = 1f - 0.9f;

  private final PooledClassifier source;
  private final List<Parameter> sourceParams;
  private final PtSymbolBlock module;
  private final List<NDArray> tensors;
  private Linear head;
  private boolean training;

  private ScriptedClassifier(PooledClassifier source, PtSymbolBlock module, List<NDArray> tensors) {
    this.source = source;
    this.module = module;
    this.tensors = tensors;
    this.sourceParams = new ArrayList<>();
    LinkedHashMap<String, Parameter> list = new LinkedHashMap<>();
    int i = 0;
    for (var p : source.getParameters()) {
      Parameter from = p.getValue();
      sourceParams.add(from);
      list.put(
          p.getKey(),
          Parameter.builder()
              .setName(from.getName())
              .setType(from.getType())
              .optArray(tensors.get(i++))
              .optRequiresGrad(from.requiresGradient())
              .build());
    }
    this.parameters = new ParameterList(list);
  }

  /**
   * Whether {@link #compile} can write {@code block}; null if so, else the name of the first block
   * it cannot. It writes the forward source (no tensor is read), so what it accepts is exactly what
   * {@link Writer} can write.
   */
  public static String unsupported(Block block) {
    if (!(block instanceof PooledClassifier c)) {
      return block.getClass().getSimpleName();
    }
    try {
      new Writer(c).forward();
      return null;
    } catch (Unwritable e) {
      return e.getMessage();
    }
  }

  /** A block {@link Writer} has no TorchScript for; the message is its class name. */
  private static final class Unwritable extends RuntimeException {
    Unwritable(Block b) {
      super(b.getClass().getSimpleName(), null, false, false);
    }
  }

  /**
   * Refuses a network {@link #unsupported} names a block of.
   *
   * @throws IllegalArgumentException naming the network and the block
   */
  public static void requireSupported(Block network) {
    String bad = unsupported(network);
    if (bad != null) {
      throw new IllegalArgumentException(
          ((Classifier) network).name()
              + " cannot be compiled to TorchScript: it holds a "
              + bad
              + " block (only the R3D and SlowFast networks can)");
    }
  }

  /**
   * The TorchScript module of {@code source}, an initialised zoo network, with its current values,
   * starting in training mode (a student) or evaluation mode (a teacher). Each parameter requires
   * gradients as the source's does. Tensors live on {@code manager}, a PyTorch manager.
   *
   * @throws IllegalArgumentException when the network holds a block this class cannot write
   */
  public static ScriptedClassifier compile(Block source, NDManager manager, boolean trainable) {
    requireSupported(source);
    PooledClassifier c = (PooledClassifier) source;
    byte[] archive = archive(c, true);
    PtSymbolBlock module;
    try {
      module =
          JniUtils.loadModule(
              (PtNDManager) manager, new ByteArrayInputStream(archive), true, false);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the compiled module: " + e.getMessage(), e);
    }
    // p<i> is the source's i-th parameter: the learnable ones are the module's parameters, the
    // running statistics its buffers, which its stats() method hands out (the tensors themselves)
    Map<String, NDArray> byName = new LinkedHashMap<>();
    for (var p : module.getDirectParameters()) {
      byName.put(p.getKey(), p.getValue().getArray());
    }
    List<Integer> statIndex = statIndices(c);
    if (!statIndex.isEmpty()) {
      try (IValue stats = IValueUtils.runMethod(module, "stats")) {
        NDArray[] buffers = stats.toTensorArray((PtNDManager) manager);
        for (int k = 0; k < buffers.length; k++) {
          byName.put("p" + statIndex.get(k), buffers[k]);
        }
      }
    }
    List<NDArray> tensors = new ArrayList<>();
    for (int i = 0; i < c.getParameters().size(); i++) {
      NDArray t = byName.get("p" + i);
      if (t == null) {
        module.close();
        throw new IllegalStateException("the compiled module lost tensor p" + i);
      }
      tensors.add(t);
    }
    ScriptedClassifier net = new ScriptedClassifier(c, module, tensors);
    net.mode(trainable);
    return net;
  }

  /**
   * {@code network}, a zoo network {@link #unsupported} accepts, as a TorchScript file for
   * deployment: evaluation mode, parameters as parameters and batch-norm running statistics as
   * buffers, {@code forward(x) -> (logits, feature)}.
   *
   * @throws IllegalArgumentException when the network holds a block this class cannot write
   */
  public static byte[] inferenceModule(Block network) {
    requireSupported(network);
    return archive((PooledClassifier) network, false);
  }

  /** The indices (in the network's parameter order) of the batch-norm running statistics. */
  private static List<Integer> statIndices(PooledClassifier net) {
    List<Integer> out = new ArrayList<>();
    int i = 0;
    for (var p : net.getParameters()) {
      if (isStat(p.getValue())) {
        out.add(i);
      }
      i++;
    }
    return out;
  }

  private static boolean isStat(Parameter p) {
    return p.getType() == Parameter.Type.RUNNING_MEAN || p.getType() == Parameter.Type.RUNNING_VAR;
  }

  /**
   * The TorchScript archive of {@code net} with its current values: the learnable tensors as
   * parameters, the batch-norm running statistics as buffers (as PyTorch's own modules keep them,
   * and as a deployed module should), and a {@code stats()} method that returns the buffers, so
   * DJL, which lists only parameters, can reach them; {@code training} is the module's mode.
   */
  static byte[] archive(PooledClassifier net, boolean training) {
    Writer w = new Writer(net);
    String methods = w.forward();
    List<TorchScriptArchive.Tensor> params = new ArrayList<>();
    List<TorchScriptArchive.Tensor> buffers = new ArrayList<>();
    StringBuilder stats = new StringBuilder();
    int i = 0;
    for (var p : net.getParameters()) {
      Parameter param = p.getValue();
      NDArray a = param.getArray();
      if (a.getDataType() != DataType.FLOAT32) {
        throw new IllegalArgumentException(p.getKey() + " is " + a.getDataType() + ", not float32");
      }
      byte[] bytes = a.toByteArray();
      if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
        bytes = swapFloats(bytes);
      }
      String name = "p" + i++;
      var t =
          new TorchScriptArchive.Tensor(
              name, a.getShape().getShape(), bytes, param.requiresGradient());
      if (isStat(param)) {
        buffers.add(t);
        stats.append(stats.length() == 0 ? "" : ", ").append("self.").append(name);
      } else {
        params.add(t);
      }
    }
    if (!buffers.isEmpty()) {
      methods +=
          "  def stats(self: __torch__.SakdNet) -> List[Tensor]:\n"
              + "    return ["
              + stats
              + "]\n";
    }
    return TorchScriptArchive.write("SakdNet", params, buffers, methods, training);
  }

  private static byte[] swapFloats(byte[] b) {
    byte[] out = new byte[b.length];
    for (int i = 0; i < b.length; i += 4) {
      for (int j = 0; j < 4; j++) {
        out[i + j] = b[i + 3 - j];
      }
    }
    return out;
  }

  /** Writes forward as straight-line TorchScript over the attributes p0, p1, … */
  private static final class Writer {
    private final Map<Parameter, String> names = new IdentityHashMap<>();
    private final StringBuilder body = new StringBuilder();
    private final PooledClassifier net;
    private int next;

    Writer(PooledClassifier net) {
      this.net = net;
      int i = 0;
      for (var p : net.getParameters()) {
        names.put(p.getValue(), "self.p" + i++);
      }
    }

    String forward() {
      String feature = emit(net.backbone(), "x");
      Linear h = net.head();
      String logits =
          assign(
              "torch.linear("
                  + feature
                  + ", "
                  + param(h, "weight")
                  + ", "
                  + param(h, "bias")
                  + ")");
      return "  def forward(self: __torch__.SakdNet,\n    x: Tensor) -> Tuple[Tensor, Tensor]:\n"
          + body
          + "    return ("
          + logits
          + ", "
          + feature
          + ")\n";
    }

    private String param(Block b, String key) {
      Parameter p = b.getParameters().get(key);
      String name = p == null ? null : names.get(p);
      if (name == null) {
        throw new IllegalStateException(
            b.getClass().getSimpleName() + " has no parameter " + key + " in the network");
      }
      return name;
    }

    private String assign(String expression) {
      String v = "_" + next++;
      body.append("    ").append(v).append(" = ").append(expression).append('\n');
      return v;
    }

    private String emit(Block b, String in) {
      if (b instanceof SequentialBlock) {
        String v = in;
        for (var child : b.getChildren()) {
          v = emit(child.getValue(), v);
        }
        return v;
      }
      if (b instanceof ResidualUnit r) {
        String branch = emit(r.branch(), in);
        String skip = r.shortcut() == null ? in : emit(r.shortcut(), in);
        return assign("torch.relu(torch.add(" + branch + ", " + skip + "))");
      }
      if (b instanceof SlowFast f) {
        // as SlowFast.forwardInternal: the slow pathway takes every α-th frame, a lateral
        // connection joins it before each stage, and the feature is both pathways' pooled means
        String slow =
            assign("torch.slice(" + in + ", 2, 0, 9223372036854775807, " + f.alpha() + ")");
        slow = emit(f.slowStem(), slow);
        String fast = emit(f.fastStem(), in);
        for (int stage = 0; stage < 4; stage++) {
          String lateral = emit(f.laterals().get(stage), fast);
          slow = assign("torch.cat([" + slow + ", " + lateral + "], 1)");
          slow = emit(f.slowStages().get(stage), slow);
          fast = emit(f.fastStages().get(stage), fast);
        }
        String a = assign("torch.mean(torch.flatten(" + slow + ", 2), [2])");
        String b2 = assign("torch.mean(torch.flatten(" + fast + ", 2), [2])");
        return assign("torch.cat([" + a + ", " + b2 + "], 1)");
      }
      if (b instanceof Convolution c) {
        String op = c instanceof Conv3d ? "torch.conv3d" : "torch.conv2d";
        return assign(
            op
                + "("
                + in
                + ", "
                + param(c, "weight")
                + ", "
                + (c.isIncludeBias() ? param(c, "bias") : "None")
                + ", "
                + list(c.getStride())
                + ", "
                + list(c.getPadding())
                + ", "
                + list(c.getDilation())
                + ", "
                + c.getGroups()
                + ")");
      }
      if (b instanceof BatchNorm) {
        return assign(
            "torch.batch_norm("
                + in
                + ", "
                + param(b, "gamma")
                + ", "
                + param(b, "beta")
                + ", "
                + param(b, "runningMean")
                + ", "
                + param(b, "runningVar")
                + ", self.training, "
                + BN_MOMENTUM
                + ", "
                + BN_EPS
                + ", True)");
      }
      if (b instanceof Relu) {
        return assign("torch.relu(" + in + ")");
      }
      if (b instanceof MaxPool m) {
        String op = m.kernel().dimension() == 3 ? "torch.max_pool3d" : "torch.max_pool2d";
        long[] ones = new long[m.kernel().dimension()];
        java.util.Arrays.fill(ones, 1);
        return assign(
            op
                + "("
                + in
                + ", "
                + list(m.kernel())
                + ", "
                + list(m.stride())
                + ", "
                + list(m.padding())
                + ", "
                + list(new Shape(ones))
                + ", False)");
      }
      if (b instanceof GlobalAveragePool) {
        // as GlobalAveragePool.pool: flatten the trailing axes, then one mean
        return assign("torch.mean(torch.flatten(" + in + ", 2), [2])");
      }
      throw new Unwritable(b);
    }

    private static String list(Shape s) {
      StringBuilder b = new StringBuilder("[");
      for (int i = 0; i < s.dimension(); i++) {
        b.append(i == 0 ? "" : ", ").append(s.get(i));
      }
      return b.append(']').toString();
    }
  }

  /**
   * Puts the module in training or evaluation mode. (DJL's switch to training mode marks every
   * module parameter as requiring gradients, as the source's learnable parameters do; the running
   * statistics are buffers, which it leaves alone.)
   */
  private void mode(boolean train) {
    if (train) {
      JniUtils.enableTrainingMode(module);
    } else {
      JniUtils.enableInferenceMode(module);
    }
    training = train;
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    if (training != this.training) {
      mode(training);
    }
    // Not module.forward, which would run evaluation inside DJL's inference-mode guard: its
    // inference tensors are refused by autograd wherever they meet a tensor that requires
    // gradients (djl #2144), e.g. SlowFast's frame slice of the input. The caller has switched
    // gradients off for evaluation, so no graph is recorded there.
    // libtorch's profiling graph executor, left on, differentiates parts of the graph itself
    // (autodiff subgraphs), which made each backward pass of r3d-micro 2-3 ms slower than eager
    // autograd in our measurements (bench torchscript); off, the module runs the aten operators one
    // by one as recorded and autograd differentiates them as it does for DJL's blocks. The switch
    // is libtorch's, per thread (DJL's ai.djl.pytorch.graph_optimizer does the same for user
    // modules).
    JniUtils.setGraphExecutorOptimize(false);
    return IValueUtils.forward(module, inputs, true);
  }

  /** Copies every value between the module and the source, in place and without gradients. */
  private void copy(boolean toSource) {
    boolean grad = JniUtils.isGradMode();
    JniUtils.setGradMode(false);
    try {
      for (int i = 0; i < tensors.size(); i++) {
        NDArray s = sourceParams.get(i).getArray();
        NDArray t = tensors.get(i);
        if (toSource) {
          s.set(new NDIndex("..."), t);
        } else {
          t.set(new NDIndex("..."), s);
        }
      }
    } finally {
      JniUtils.setGradMode(grad);
    }
  }

  /** Exactly what the source network writes, with the module's current values. */
  @Override
  public void saveParameters(DataOutputStream os) throws IOException {
    copy(true);
    source.saveParameters(os);
  }

  /**
   * Reads what the source network writes and copies it into the module; the parameter objects stay
   * the same.
   */
  @Override
  public void loadParameters(NDManager manager, DataInputStream is)
      throws IOException, MalformedModelException {
    Set<NDArray> old = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Parameter p : sourceParams) {
      old.add(p.getArray());
    }
    source.loadParameters(manager, is);
    for (Parameter p : sourceParams) {
      old.remove(p.getArray());
    }
    copy(false);
    // loading put new arrays into the source's parameters; the replaced ones would otherwise live
    // as long as the network
    for (NDArray a : old) {
      a.close();
    }
  }

  @Override
  public int featureDim() {
    return source.featureDim();
  }

  @Override
  public int numClasses() {
    return source.numClasses();
  }

  /** The final linear layer over the module's own head tensors (CrossKD needs it). */
  @Override
  public Linear head() {
    if (head == null) {
      Linear linear = Linear.builder().setUnits(numClasses()).build();
      for (var key : List.of("weight", "bias")) {
        Parameter from = source.head().getParameters().get(key);
        linear.getParameters().get(key).setArray(tensors.get(sourceParams.indexOf(from)));
      }
      head = linear;
    }
    return head;
  }

  @Override
  public Shape inputShape(int batch) {
    return source.inputShape(batch);
  }

  @Override
  public String name() {
    return source.name();
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return source.getOutputShapes(inputShapes);
  }

  /** Frees the native module. */
  public void close() {
    module.close();
  }

  @Override
  public String toString() {
    return source + " compiled to TorchScript";
  }
}

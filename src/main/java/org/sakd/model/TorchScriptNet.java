package org.sakd.model;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.ParameterList;
import ai.djl.nn.core.Linear;
import ai.djl.pytorch.engine.PtNDManager;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.zip.ZipFile;

/**
 * A user's TorchScript module as a zoo {@link Classifier}: {@code model.teacher} or {@code
 * model.student = torchscript:<file.pt>}. Contract (README): {@code forward(x)} on {@code
 * N×C×T×H×W} returns {@code (logits N×K, feature N×D)}; K and D are read from one forward.
 *
 * <p>DJL's PyTorch engine runs TorchScript through {@link PtSymbolBlock} (DJL docs, "PyTorch
 * engine": {@code trainParam} loads parameters trainable). A teacher is loaded frozen (inference
 * mode). A student must be a scripted module ({@code torch.jit.script}): a traced one has the
 * training flag of BatchNorm and dropout baked into its graph, a frozen one has its parameters
 * inlined as constants, so neither can be trained; both are refused with what to do instead.
 *
 * <p>Parameters are the module's own tensors, so our optimizer updates them in place. Batch-norm
 * buffers are not reachable one by one through DJL, so {@link #saveParameters} writes the whole
 * serialised module (parameters and buffers) and {@link #loadParameters} replaces the module by the
 * one read: the parameter list then holds new {@link Parameter} objects, and whoever keeps them
 * (the optimizer, a parameter store) must take them again.
 */
public final class TorchScriptNet extends ModuleBackedBlock {

  /** The prefix of a model name that names a TorchScript file. */
  public static final String PREFIX = "torchscript:";

  private static final int FORMAT = 1;
  // torch.jit.trace names the positional inputs of the submodules it records argument_1, …;
  // torch.jit.script keeps the Python names.
  private static final Pattern TRACED = Pattern.compile("def forward\\([^)]*\\bargument_1\\b");

  private final String name;
  private final boolean trainable;
  private final Shape clip;
  private final PtNDManager manager;
  private PtSymbolBlock module;
  private int classes;
  private int featureDim;
  private Linear head;

  private TorchScriptNet(String name, boolean trainable, Shape clip, PtNDManager manager) {
    this.name = name;
    this.trainable = trainable;
    this.clip = clip;
    this.manager = manager;
  }

  /** Whether {@code model} names a TorchScript file ({@code torchscript:<file>}). */
  public static boolean isTorchScript(String model) {
    return model != null && model.startsWith(PREFIX);
  }

  /** The file of a {@code torchscript:<file>} model name. */
  public static Path file(String model) {
    return Path.of(model.substring(PREFIX.length()));
  }

  /**
   * Loads {@code model} ({@code torchscript:<file>}) for clips of {@code clip} = (C, T, H, W):
   * trainable (a student) or frozen (a teacher). The module's arrays live on {@code manager}.
   *
   * @throws IllegalArgumentException when the file cannot be read as a module that keeps the
   *     contract, or (trainable) is traced or frozen; the message says why and what to do
   */
  public static TorchScriptNet load(
      String model, Shape clip, boolean trainable, NDManager manager) {
    Path path = file(model);
    if (!Files.isRegularFile(path)) {
      throw new IllegalArgumentException("no TorchScript file " + path);
    }
    if (trainable) {
      refuseTraced(path);
    }
    TorchScriptNet net = new TorchScriptNet(model, trainable, clip, (PtNDManager) manager);
    PtSymbolBlock module;
    try {
      module =
          JniUtils.loadModule(
              (PtNDManager) manager, path, true, new String[0], new String[0], trainable);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          path + " is not a TorchScript module libtorch can read: " + firstLine(e), e);
    }
    net.adopt(module);
    if (trainable && net.parameters.isEmpty()) {
      net.close();
      throw new IllegalArgumentException(
          path
              + " has no parameters to train: it was made by torch.jit.freeze, which inlines them"
              + " as constants; export the student with torch.jit.script(model).save(…) and"
              + " without freeze");
    }
    net.probe();
    return net;
  }

  private static void refuseTraced(Path path) {
    try (ZipFile zip = new ZipFile(path.toFile())) {
      var entries = zip.entries();
      while (entries.hasMoreElements()) {
        var e = entries.nextElement();
        if (e.getName().contains("/code/") && e.getName().endsWith(".py")) {
          String code = new String(zip.getInputStream(e).readAllBytes(), StandardCharsets.UTF_8);
          if (TRACED.matcher(code).find()) {
            throw new IllegalArgumentException(
                path
                    + " was made by torch.jit.trace, which records BatchNorm and dropout in the"
                    + " mode they were traced in, so it cannot train; export the student with"
                    + " torch.jit.script(model).save(…) instead (a traced teacher is fine)");
          }
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException(
          path + " is not a TorchScript archive (a zip file): " + e.getMessage(), e);
    }
  }

  private static String firstLine(Throwable e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return nl < 0 ? m : m.substring(0, nl);
  }

  /** Takes {@code next} as the module: its parameters, mode and head. */
  private void adopt(PtSymbolBlock next) {
    module = next;
    // PtSymbolBlock assumes a fresh module is in training mode and switches only on a change;
    // libtorch loads it in the mode it was saved in. Say it explicitly.
    if (trainable) {
      JniUtils.enableTrainingMode(next);
    } else {
      JniUtils.enableInferenceMode(next);
    }
    java.util.LinkedHashMap<String, Parameter> list = new java.util.LinkedHashMap<>();
    for (var p : next.getDirectParameters()) {
      NDArray array = p.getValue().getArray();
      list.put(
          p.getKey(),
          Parameter.builder()
              .setName(p.getKey())
              .setType(Parameter.Type.OTHER)
              .optArray(array)
              .optRequiresGrad(trainable)
              .build());
    }
    parameters = new ParameterList(list);
    head = null;
  }

  /** One eval-mode forward on zeros: the contract's two outputs, K and D. */
  private void probe() {
    try (NDManager scope = manager.newSubManager()) {
      NDList out =
          forward(new ParameterStore(scope, false), new NDList(scope.zeros(shape(2))), false);
      if (out.size() != 2
          || out.get(0).getShape().dimension() != 2
          || out.get(1).getShape().dimension() != 2
          || out.get(0).getShape().get(0) != 2
          || out.get(1).getShape().get(0) != 2) {
        List<Shape> shapes = new ArrayList<>();
        out.forEach(a -> shapes.add(a.getShape()));
        throw new IllegalArgumentException(
            file(name)
                + " returned "
                + shapes
                + " for a clip batch "
                + shape(2)
                + "; the contract is forward(x) -> (logits N×K, feature N×D)");
      }
      classes = Math.toIntExact(out.get(0).getShape().get(1));
      featureDim = Math.toIntExact(out.get(1).getShape().get(1));
    } catch (ai.djl.engine.EngineException e) {
      throw new IllegalArgumentException(
          file(name) + " failed on a clip batch " + shape(2) + ": " + firstLine(e), e);
    }
  }

  private Shape shape(int batch) {
    long[] dims = new long[clip.dimension() + 1];
    dims[0] = batch;
    System.arraycopy(clip.getShape(), 0, dims, 1, clip.dimension());
    return new Shape(dims);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore store, NDList inputs, boolean training, PairList<String, Object> params) {
    NDList out = module.forward(store, inputs, training && trainable, params);
    if (training && trainable) {
      return out;
    }
    // eval-mode outputs are inference tensors, which autograd refuses to save for backward (djl
    // #2144): hand out copies
    NDList copies = new NDList(out.size());
    for (NDArray a : out) {
      copies.add(a.duplicate());
      a.close();
    }
    return copies;
  }

  @Override
  public int featureDim() {
    return featureDim;
  }

  @Override
  public int numClasses() {
    return classes;
  }

  /**
   * The final linear layer: the last {@code weight} of shape K×D with its {@code bias} of K
   * (CrossKD needs it).
   *
   * @throws IllegalStateException when the module has no such pair
   */
  @Override
  public Linear head() {
    if (head == null) {
      Parameter weight = null;
      Parameter bias = null;
      var list = parameters;
      for (int i = list.size() - 1; i >= 0 && weight == null; i--) {
        String key = list.keys().get(i);
        Shape s = list.get(i).getValue().getArray().getShape();
        if (key.endsWith("weight") && s.equals(new Shape(classes, featureDim))) {
          weight = list.get(i).getValue();
          String biasKey = key.substring(0, key.length() - "weight".length()) + "bias";
          bias = list.get(biasKey);
        }
      }
      if (weight == null || bias == null) {
        throw new IllegalStateException(
            file(name)
                + " has no final linear layer (a weight "
                + classes
                + "×"
                + featureDim
                + " and its bias), which this distillation method needs");
      }
      Linear linear = Linear.builder().setUnits(classes).build();
      linear.getParameters().get("weight").setArray(weight.getArray());
      linear.getParameters().get("bias").setArray(bias.getArray());
      head = linear;
    }
    return head;
  }

  @Override
  public Shape inputShape(int batch) {
    return shape(batch);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    long n = inputShapes[0].get(0);
    return new Shape[] {new Shape(n, classes), new Shape(n, featureDim)};
  }

  /** The whole serialised module: parameters and buffers (batch-norm running statistics). */
  @Override
  public void saveParameters(DataOutputStream os) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    JniUtils.writeModule(module, bytes, false);
    os.writeInt(FORMAT);
    os.writeInt(bytes.size());
    bytes.writeTo(os);
  }

  /**
   * Replaces the module by one written by {@link #saveParameters}, which must keep the contract
   * with the same K and D. The parameter list holds new objects afterwards.
   */
  @Override
  public void loadParameters(NDManager manager, DataInputStream is)
      throws IOException, MalformedModelException {
    int format = is.readInt();
    if (format != FORMAT) {
      throw new MalformedModelException(
          "not a TorchScript module of " + name + " (format " + format + ")");
    }
    byte[] bytes = is.readNBytes(is.readInt());
    PtSymbolBlock next;
    try {
      // no size prefix: libtorch then reads the stream to its end
      next = JniUtils.loadModule(this.manager, new ByteArrayInputStream(bytes), true, false);
    } catch (RuntimeException e) {
      throw new MalformedModelException("corrupt TorchScript module: " + firstLine(e), e);
    }
    PtSymbolBlock old = module;
    int k = classes;
    int d = featureDim;
    adopt(next);
    probe();
    if (classes != k || featureDim != d) {
      throw new MalformedModelException(
          "the module read has " + classes + " classes and feature " + featureDim + ", not " + k);
    }
    old.close();
  }

  /**
   * Writes the module held by {@code saved} (the bytes {@link #saveParameters} wrote, e.g. a
   * checkpoint's parameters) to {@code out} as a TorchScript file in inference mode: BatchNorm uses
   * its running statistics and dropout is off, whatever mode the module was saved in while
   * training. The module is read into {@code manager} (a PyTorch manager) and freed again.
   *
   * @throws IllegalArgumentException when the bytes are not a module this class wrote
   */
  public static void writeInferenceModule(byte[] saved, OutputStream out, NDManager manager)
      throws IOException {
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(saved));
    if (saved.length < 8 || in.readInt() != FORMAT) {
      throw new IllegalArgumentException("the saved parameters are not a TorchScript module");
    }
    byte[] bytes = in.readNBytes(in.readInt());
    PtSymbolBlock module;
    try {
      module =
          JniUtils.loadModule((PtNDManager) manager, new ByteArrayInputStream(bytes), true, false);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("corrupt TorchScript module: " + firstLine(e), e);
    }
    try {
      JniUtils.enableInferenceMode(module);
      JniUtils.writeModule(module, out, false);
    } finally {
      module.close();
    }
  }

  /** Frees the native module. */
  public void close() {
    module.close();
  }
}

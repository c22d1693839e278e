package org.sakd.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.sakd.model.Classifier;
import org.sakd.model.ModelRegistry;
import org.sakd.model.ScriptedClassifier;
import org.sakd.model.TorchScriptNet;

/**
 * One initialised network from the registry with the native memory it owns: its block, parameter
 * arrays and parameter store. forward returns (logits, pooled feature).
 */
public final class Network implements AutoCloseable {
  private final String name;
  private final Block block;
  private final NDManager manager;
  private ParameterStore store;

  private Network(String name, Block block, NDManager manager) {
    this.name = name;
    this.block = block;
    this.manager = manager;
    this.store = new ParameterStore(manager, false);
  }

  /**
   * Builds and initialises {@code name} for {@code classes} classes; parameters are seeded by
   * {@code seed}.
   */
  public static Network create(String name, int classes, NDManager parent, long seed) {
    Engine.getInstance().setRandomSeed((int) seed);
    return of(ModelRegistry.create(name, classes), parent);
  }

  /**
   * {@link #create(String, int, NDManager, long)} for any model name: a zoo name, or {@code
   * torchscript:<file>} (a user's module, see {@link TorchScriptNet}) loaded for clips of {@code
   * clip} = (C, T, H, W), trainable for a student and frozen for a teacher.
   *
   * @throws IllegalArgumentException when a TorchScript module cannot be used or returns another
   *     number of classes than {@code classes}
   */
  public static Network create(
      String name, int classes, Shape clip, boolean trainable, NDManager parent, long seed) {
    if (!TorchScriptNet.isTorchScript(name)) {
      return create(name, classes, parent, seed);
    }
    Engine.getInstance().setRandomSeed((int) seed);
    NDManager m = parent.newSubManager();
    try {
      TorchScriptNet net = TorchScriptNet.load(name, clip, trainable, m);
      if (net.numClasses() != classes) {
        throw new IllegalArgumentException(
            TorchScriptNet.file(name)
                + " returns logits for "
                + net.numClasses()
                + " classes; the data has "
                + classes);
      }
      enableGradients(net);
      return new Network(name, net, m);
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
  }

  /**
   * {@link #create(String, int, NDManager, long)} compiled to one TorchScript module ({@link
   * ScriptedClassifier}): the same operators and parameters, saved and loaded in the same format,
   * with the forward run by libtorch in one call. Trainable (a student) or frozen (a teacher).
   *
   * @throws IllegalArgumentException when the network holds a block that cannot be compiled
   */
  public static Network compiled(
      String name, int classes, boolean trainable, NDManager parent, long seed) {
    Engine.getInstance().setRandomSeed((int) seed);
    Block source = ModelRegistry.create(name, classes);
    NDManager m = parent.newSubManager();
    try {
      // before initialising: a network that cannot be compiled is refused at once
      ScriptedClassifier.requireSupported(source);
      source.initialize(m, DataType.FLOAT32, ((Classifier) source).inputShape(1));
      return new Network(name, ScriptedClassifier.compile(source, m, trainable), m);
    } catch (RuntimeException e) {
      m.close();
      throw e;
    }
  }

  /**
   * The zoo network {@code name} as {@code model.compile} = {@code compile} asks: {@link #compiled}
   * for {@code torchscript}, and for {@code auto} when the network can be compiled; else {@link
   * #create(String, int, NDManager, long)}.
   *
   * @throws IllegalArgumentException for {@code torchscript} and a network that cannot be compiled
   */
  public static Network create(
      String name, int classes, boolean trainable, String compile, NDManager parent, long seed) {
    if (compile.equals("torchscript") || compile.equals("auto") && compilable(name)) {
      return compiled(name, classes, trainable, parent, seed);
    }
    return create(name, classes, parent, seed);
  }

  /** Whether {@link #compiled} can build the zoo network {@code name}. */
  public static boolean compilable(String name) {
    return ScriptedClassifier.unsupported(ModelRegistry.create(name, 2)) == null;
  }

  /** Wraps and initialises any block that implements {@link Classifier} (e.g. a test network). */
  public static Network of(Block block, NDManager parent) {
    if (!(block instanceof Classifier c)) {
      throw new IllegalArgumentException(
          block.getClass().getName() + " does not implement Classifier");
    }
    NDManager m = parent.newSubManager();
    block.initialize(m, DataType.FLOAT32, c.inputShape(1));
    enableGradients(block);
    return new Network(c.name(), block, m);
  }

  public String name() {
    return name;
  }

  public Block block() {
    return block;
  }

  public Classifier classifier() {
    return (Classifier) block;
  }

  public NDManager manager() {
    return manager;
  }

  /** Trainable parameters in a fixed order. */
  public List<Pair<String, Parameter>> trainable() {
    return SgdOptimizer.trainable(block);
  }

  /** (logits, feature) for input x; training selects batch statistics and updates running stats. */
  public NDList forward(NDArray x, boolean training) {
    if (!training) {
      GradMode.off();
    }
    return block.forward(store, new NDList(x), training);
  }

  public byte[] parameterBytes() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      block.saveParameters(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  public void loadParameterBytes(byte[] data) {
    java.util.List<NDArray> old = new java.util.ArrayList<>();
    for (var p : block.getParameters()) {
      if (p.getValue().isInitialized()) {
        old.add(p.getValue().getArray());
      }
    }
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(data))) {
      block.loadParameters(manager, in);
      // loading puts new arrays into the parameters; the replaced ones would otherwise live as long
      // as the network
      java.util.Set<NDArray> now =
          java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
      for (var p : block.getParameters()) {
        now.add(p.getValue().getArray());
      }
      for (NDArray a : old) {
        if (!now.contains(a)) {
          a.close();
        }
      }
    } catch (IOException | ai.djl.MalformedModelException e) {
      throw new IllegalStateException(
          "cannot load parameters of " + name + ": " + e.getMessage(), e);
    }
    enableGradients(block);
    // DJL's ParameterStore caches the arrays it handed out; loading replaces them, so the cache
    // must go too.
    store = new ParameterStore(manager, false);
  }

  /**
   * Starts from a pre-trained checkpoint of the same architecture. When the checkpoint's classifier
   * has this network's class count, every parameter is loaded; when it has another (a backbone
   * pre-trained on other classes, as the paper's students are), the backbone is loaded and this
   * network's freshly initialised head is kept. Returns one line saying which; any other mismatch
   * (a layer of another shape or name: another architecture or width) is an
   * IllegalArgumentException naming the first parameter that differs.
   */
  public String loadPretrained(byte[] data) {
    if (block instanceof TorchScriptNet) {
      throw new IllegalArgumentException(
          "a TorchScript student starts from its own file's weights; export the pre-trained"
              + " weights into the module instead");
    }
    String headClass = classifier().numClasses() + "";
    // by array: a compiled network's head is a Linear over its own tensors
    java.util.Set<NDArray> head =
        java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
    for (var p : classifier().head().getParameters()) {
      head.add(p.getValue().getArray());
    }
    try (Network src = of(ModelRegistry.create(name, classifier().numClasses()), manager)) {
      try {
        src.loadParameterBytes(data);
      } catch (IllegalStateException e) {
        throw new IllegalArgumentException(
            "the checkpoint does not hold "
                + name
                + " parameters: "
                + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()),
            e);
      }
      var mine = block.getParameters();
      var theirs = src.block().getParameters();
      if (mine.size() != theirs.size()) {
        throw new IllegalArgumentException(
            "the checkpoint holds "
                + theirs.size()
                + " parameters, "
                + name
                + " has "
                + mine.size());
      }
      long srcClasses = -1;
      boolean headFits = true;
      for (int i = 0; i < mine.size(); i++) {
        Parameter to = mine.get(i).getValue();
        NDArray from = theirs.get(i).getValue().getArray();
        boolean same = from.getShape().equals(to.getArray().getShape());
        if (head.contains(to.getArray())) {
          headFits &= same;
          if (to.getArray().getShape().dimension() == 1) {
            srcClasses = from.getShape().get(0);
          }
        } else if (!same) {
          throw new IllegalArgumentException(
              "checkpoint parameter "
                  + mine.get(i).getKey()
                  + " has shape "
                  + from.getShape()
                  + ", "
                  + name
                  + " needs "
                  + to.getArray().getShape()
                  + " (another architecture or width; only the classifier head may differ)");
        }
      }
      GradMode.off();
      for (int i = 0; i < mine.size(); i++) {
        Parameter to = mine.get(i).getValue();
        if (headFits || !head.contains(to.getArray())) {
          // in place, so the optimizer's and the store's references to the parameter stay valid
          to.getArray()
              .set(new ai.djl.ndarray.index.NDIndex("..."), theirs.get(i).getValue().getArray());
        }
      }
      store = new ParameterStore(manager, false);
      return headFits
          ? "loaded all parameters of " + name + " (" + headClass + " classes)"
          : "loaded the "
              + name
              + " backbone pre-trained on "
              + srcClasses
              + " classes; the "
              + headClass
              + "-class head starts fresh";
    }
  }

  /**
   * {@link #loadPretrained} for model.student-init = {@code path}: a checkpoint it cannot bridge is
   * a settings error.
   */
  public String loadStudentInit(byte[] init, String path) {
    try {
      return loadPretrained(init);
    } catch (IllegalArgumentException e) {
      throw new org.sakd.config.SettingsException(
          "model.student-init",
          path,
          "a checkpoint of "
              + name
              + " (only the classifier head may have another class count); "
              + e.getMessage());
    }
  }

  /** Attaches gradients to the learnable parameters only (not to batch-norm running statistics). */
  public static void enableGradients(Block block) {
    for (var p : block.getParameters()) {
      if (p.getValue().requiresGradient()) {
        p.getValue().getArray().setRequiresGradient(true);
      }
    }
  }

  /**
   * Sum of the trainable parameters' values: a cheap checksum to compare replicas. Batch-norm
   * running statistics are left out: each replica gathers its own from its shard (rank 0's are the
   * ones validated and checkpointed), while the weights must agree after every all-reduced step.
   */
  public double checksum() {
    double s = 0;
    for (var p : trainable()) {
      try (NDArray sum = p.getValue().getArray().sum()) {
        s += sum.getFloat();
      }
    }
    return s;
  }

  @Override
  public void close() {
    manager.close();
  }
}

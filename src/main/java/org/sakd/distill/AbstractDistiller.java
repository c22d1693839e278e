package org.sakd.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;

/** Shared plumbing of the six distillers: settings, the epoch hook, and preparing extras. */
abstract class AbstractDistiller implements Distiller {

  protected final DistillSettings settings;
  private final String name;
  private int totalEpochs = -1;
  private boolean initialized;

  AbstractDistiller(String name, DistillSettings settings) {
    this.name = name;
    this.settings = settings;
  }

  @Override
  public final String name() {
    return name;
  }

  @Override
  public final double ceWeight() {
    return settings.ceWeight();
  }

  /** The settings this distiller was built with. */
  public final DistillSettings settings() {
    return settings;
  }

  @Override
  public final void initialize(
      NDManager m, int studentFeatureDim, int teacherFeatureDim, int numClasses) {
    if (studentFeatureDim < 1 || teacherFeatureDim < 1 || numClasses < 2) {
      throw new IllegalArgumentException(
          name
              + ": need feature widths >= 1 and >= 2 classes, got Ds="
              + studentFeatureDim
              + ", Dt="
              + teacherFeatureDim
              + ", K="
              + numClasses);
    }
    buildExtras(m, studentFeatureDim, teacherFeatureDim, numClasses);
    initialized = true;
  }

  /** Creates and initialises this method's extras (nothing for methods without any). */
  protected void buildExtras(
      NDManager m, int studentFeatureDim, int teacherFeatureDim, int numClasses) {}

  @Override
  public Block extras() {
    return null;
  }

  @Override
  public final DistillLosses losses(DistillInput in, ParameterStore ps) {
    if (!initialized) {
      throw new IllegalStateException(name + ": call initialize(...) before losses(...)");
    }
    return compute(in, ps);
  }

  protected abstract DistillLosses compute(DistillInput in, ParameterStore ps);

  @Override
  public void onEpochStart(int epoch, int totalEpochs) {
    if (totalEpochs < 1 || epoch < 0 || epoch >= totalEpochs) {
      throw new IllegalArgumentException(
          name
              + ": epoch must lie in [0, totalEpochs) with totalEpochs >= 1, got epoch "
              + epoch
              + " of "
              + totalEpochs);
    }
    this.totalEpochs = totalEpochs;
  }

  /** The run length last announced by {@link #onEpochStart}, or −1 before the first epoch. */
  public final int totalEpochs() {
    return totalEpochs;
  }

  /**
   * Initialises an extras block in float32 and marks its parameters as requiring gradients, so a
   * plain {@code GradientCollector} (without a DJL Trainer) records them.
   */
  static void prepareExtras(Block block, NDManager m, Shape... inputShapes) {
    block.initialize(m, DataType.FLOAT32, inputShapes);
    for (Pair<String, Parameter> p : block.getParameters()) {
      p.getValue().getArray().setRequiresGradient(true);
    }
  }

  /**
   * A parameter's value through the store, on the batch's device (as DJL's own layers do), so a
   * trainer that keeps one replica per device gets the gradient on the right copy.
   */
  static NDArray value(ParameterStore ps, Parameter p, DistillInput in) {
    return ps.getValue(p, in.studentLogits().getDevice(), in.training());
  }
}

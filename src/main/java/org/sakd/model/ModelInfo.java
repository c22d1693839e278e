package org.sakd.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;

/** Facts about a zoo network and the checks a trainer runs before using one. */
public final class ModelInfo {

  private ModelInfo() {}

  /** The block as a {@link Classifier}, or an exception naming what it is instead. */
  public static Classifier classifier(Block block) {
    if (block instanceof Classifier classifier) {
      return classifier;
    }
    throw new IllegalArgumentException(
        "expected a model-zoo Classifier block, got "
            + (block == null ? "null" : block.getClass().getName()));
  }

  /**
   * Initialises the parameters (on {@code manager}, which must outlive the block) for the network's
   * own input shape and attaches gradients to the trainable ones, which DJL's {@code Trainer} would
   * otherwise do; needed for training loops built on {@code GradientCollector}.
   */
  public static void initialize(Block block, NDManager manager) {
    block.initialize(manager, DataType.FLOAT32, classifier(block).inputShape(1));
    attachGradients(block);
  }

  /**
   * Marks every trainable parameter as requiring a gradient. Call it again after {@code
   * loadParameters}, which replaces the arrays. Running statistics of BatchNorm stay gradient-free.
   */
  public static void attachGradients(Block block) {
    for (Pair<String, Parameter> p : block.getParameters()) {
      Parameter parameter = p.getValue();
      if (parameter.requiresGradient()) {
        requireInitialized(p.getKey(), parameter);
        parameter.getArray().setRequiresGradient(true);
      }
    }
  }

  /**
   * Number of trainable scalars, as {@code sum(p.numel() for p in model.parameters())} counts them
   * in PyTorch: BatchNorm running statistics are buffers there and are left out here too.
   */
  public static long parameterCount(Block block) {
    long count = 0;
    for (Pair<String, Parameter> p : block.getParameters()) {
      Parameter parameter = p.getValue();
      if (parameter.requiresGradient()) {
        Shape shape =
            parameter.isInitialized() ? parameter.getArray().getShape() : parameter.getShape();
        if (shape == null) {
          throw new IllegalStateException(
              "parameter "
                  + p.getKey()
                  + " has no shape yet; initialize the block before counting");
        }
        count += shape.size();
      }
    }
    return count;
  }

  /**
   * Runs an inference forward on zeros of {@code inputShape(batch)} and checks that it returns
   * logits N×K and a feature N×D. Initialises the block on {@code manager} first if it is not yet
   * initialised.
   *
   * @throws IllegalStateException when the outputs are not what {@link Classifier} promises
   */
  public static void checkForward(Block block, NDManager manager, int batch) {
    Classifier classifier = classifier(block);
    Shape input = classifier.inputShape(batch);
    if (!block.isInitialized()) {
      block.initialize(manager, DataType.FLOAT32, input);
    }
    try (NDManager scope = manager.newSubManager()) {
      NDArray x = scope.zeros(input);
      NDList out = block.forward(new ParameterStore(scope, false), new NDList(x), false);
      Shape logits = new Shape(batch, classifier.numClasses());
      Shape feature = new Shape(batch, classifier.featureDim());
      if (out.size() != 2) {
        throw new IllegalStateException(
            classifier.name() + " returned " + out.size() + " outputs, expected (logits, feature)");
      }
      if (!out.get(0).getShape().equals(logits) || !out.get(1).getShape().equals(feature)) {
        throw new IllegalStateException(
            classifier.name()
                + " returned logits "
                + out.get(0).getShape()
                + " and feature "
                + out.get(1).getShape()
                + " for input "
                + input
                + ", expected "
                + logits
                + " and "
                + feature);
      }
    }
  }

  private static void requireInitialized(String name, Parameter parameter) {
    if (!parameter.isInitialized()) {
      throw new IllegalStateException(
          "parameter " + name + " is not initialised; initialize the block first");
    }
  }
}

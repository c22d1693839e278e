package org.sakd.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.XavierInitializer;
import ai.djl.util.PairList;

/**
 * Every network of the zoo: a backbone that maps a clip to its pooled feature N×D, and a linear
 * head that maps the feature to logits N×K. Forward returns {@code NDList(logits, feature)}.
 */
public final class PooledClassifier extends AbstractBlock implements Classifier {

  private static final byte VERSION = 1;

  private final String name;
  private final int featureDim;
  private final int numClasses;
  private final Shape clipShape;
  private final Block backbone;
  private final Linear head;

  /**
   * @param clipShape one sample's input (C, T, H, W); image networks use T = 1
   */
  PooledClassifier(String name, Block backbone, int featureDim, int numClasses, Shape clipShape) {
    super(VERSION);
    if (numClasses < 1) {
      throw new IllegalArgumentException("numClasses must be ≥ 1, got " + numClasses);
    }
    if (clipShape.dimension() != 4) {
      throw new IllegalArgumentException("clipShape must be (C, T, H, W), got " + clipShape);
    }
    this.name = name;
    this.featureDim = featureDim;
    this.numClasses = numClasses;
    this.clipShape = clipShape;
    this.backbone = addChildBlock("backbone", backbone);
    this.head = addChildBlock("head", Linear.builder().setUnits(numClasses).build());
    // Kaiming-normal fan-in initialisation, the ResNet default (He et al., ICCV 2015): std = sqrt(2
    // / fan_in).
    setInitializer(
        new XavierInitializer(
            XavierInitializer.RandomType.GAUSSIAN, XavierInitializer.FactorType.IN, 2f),
        Parameter.Type.WEIGHT);
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    Shape s = x.getShape();
    if (s.dimension() != 5 || s.get(1) != clipShape.get(0)) {
      throw new IllegalArgumentException(
          name
              + " expects clips N×"
              + clipShape.get(0)
              + "×T×H×W (e.g. "
              + inputShape(1)
              + "), got "
              + s);
    }
    NDArray feature = backbone.forward(parameterStore, inputs, training, params).singletonOrThrow();
    NDArray logits =
        head.forward(parameterStore, new NDList(feature), training, params).singletonOrThrow();
    return new NDList(logits, feature);
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    long n = inputShapes[0].get(0);
    return new Shape[] {new Shape(n, numClasses), new Shape(n, featureDim)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    backbone.initialize(manager, dataType, inputShapes);
    Shape feature = backbone.getOutputShapes(inputShapes)[0];
    if (feature.dimension() != 2 || feature.get(1) != featureDim) {
      throw new IllegalStateException(
          name + ": backbone yields feature " + feature + ", expected N×" + featureDim);
    }
    head.initialize(manager, dataType, feature);
  }

  Block backbone() {
    return backbone;
  }

  @Override
  public int featureDim() {
    return featureDim;
  }

  @Override
  public int numClasses() {
    return numClasses;
  }

  @Override
  public Linear head() {
    return head;
  }

  @Override
  public Shape inputShape(int batch) {
    if (batch < 1) {
      throw new IllegalArgumentException("batch must be ≥ 1, got " + batch);
    }
    return new Shape(batch, clipShape.get(0), clipShape.get(1), clipShape.get(2), clipShape.get(3));
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public String toString() {
    return name + " (K=" + numClasses + ", D=" + featureDim + ", input " + inputShape(1) + ")";
  }
}

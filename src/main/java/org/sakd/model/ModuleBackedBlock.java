package org.sakd.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBaseBlock;
import ai.djl.nn.BlockList;
import ai.djl.nn.ParameterList;

/**
 * A zoo block whose computation is a TorchScript module: it has no child blocks, arrives
 * initialised with the module's tensors, and lists them as its parameters ({@link TorchScriptNet},
 * a user's module; {@link ScriptedClassifier}, a zoo network compiled by this project).
 */
abstract class ModuleBackedBlock extends AbstractBaseBlock implements Classifier {

  /** The module's tensors as parameters; set by the subclass when it takes its module. */
  protected ParameterList parameters;

  @Override
  public BlockList getChildren() {
    return new BlockList();
  }

  @Override
  public ParameterList getDirectParameters() {
    return parameters;
  }

  @Override
  public ParameterList getParameters() {
    return parameters;
  }

  @Override
  public void initialize(NDManager manager, DataType dataType, Shape... inputShapes) {
    // the module arrives with its parameters
  }

  @Override
  public boolean isInitialized() {
    return true;
  }
}

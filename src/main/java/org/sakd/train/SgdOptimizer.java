package org.sakd.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SGD with momentum and weight decay over explicit parameter arrays, in PyTorch's formulation
 * (torch.optim.SGD docs, dampening 0): g ← ∇ + wd·w; v ← μ·v + g (v ← g at the first step); w ← w −
 * lr·(nesterov ? g + μ·v : v).
 *
 * <p>We own the optimizer (instead of DJL's Trainer) so that its momentum state can be checkpointed
 * exactly, and so that gradients can be exported, all-reduced across trainer replicas and written
 * back before the step. DJL's own {@code sgdUpdate} folds the learning rate into the velocity
 * (MXNet's convention), which differs from PyTorch's whenever the rate changes.
 *
 * <p><b>Fused.</b> A step is a few whole-buffer ops on flat vectors instead of several ops per
 * parameter: the gradients are gathered by one concatenation of flat views of every parameter's
 * {@code .grad} (PyTorch accumulates into an existing {@code .grad} in place when backward runs
 * without grad mode, so the views stay valid from step to step), weight decay, momentum and the
 * update run on the flat vectors, and each parameter then subtracts its slice of the flat update.
 * The same flat gradient is what the replicas exchange. Every JNI crossing costs a few
 * microseconds, and a per-parameter step made ~12 of them per parameter; this makes ~2.
 */
public final class SgdOptimizer implements AutoCloseable {
  private List<Pair<String, Parameter>> parameters;
  private final double momentum;
  private final double weightDecay;
  private final boolean nesterov;
  private final NDManager stateManager;

  /** Flat momentum over all parameters, in parameter order; null before the first step. */
  private NDArray velocity;

  /** Views over the parameters and their gradients, rebuilt when the parameters change. */
  private Views views;

  /** An all-reduced gradient written by {@link #importGradients}, used by the next step. */
  private NDArray imported;

  public SgdOptimizer(
      List<Pair<String, Parameter>> parameters,
      double momentum,
      double weightDecay,
      boolean nesterov,
      NDManager parent) {
    this.parameters = List.copyOf(parameters);
    this.momentum = momentum;
    this.weightDecay = weightDecay;
    this.nesterov = nesterov;
    this.stateManager = parent.newSubManager();
  }

  /**
   * The flat views of one set of parameter arrays: each parameter flattened, its gradient flattened
   * (absent while PyTorch has not made the parameter's {@code .grad} yet: a parameter the loss has
   * not reached), and its slice of the flat update, shaped like the parameter.
   */
  private final class Views implements AutoCloseable {
    final NDManager manager = stateManager.newSubManager();
    final NDArray[] weights;
    final NDArray[] gradients;
    final NDArray[] deltas;
    final NDArray delta;
    final int[] offsets;
    final int size;

    Views() {
      int n = parameters.size();
      weights = new NDArray[n];
      gradients = new NDArray[n];
      deltas = new NDArray[n];
      offsets = new int[n + 1];
      for (int i = 0; i < n; i++) {
        NDArray w = parameters.get(i).getValue().getArray();
        offsets[i + 1] = offsets[i] + Math.toIntExact(w.size());
        weights[i] = w.reshape(-1);
        weights[i].attach(manager);
      }
      size = offsets[n];
      delta = manager.zeros(new Shape(size), parameters.get(0).getValue().getArray().getDataType());
      for (int i = 0; i < n; i++) {
        NDArray w = parameters.get(i).getValue().getArray();
        deltas[i] = delta.get(offsets[i] + ":" + offsets[i + 1]).reshape(w.getShape());
        deltas[i].attach(manager);
      }
      refreshGradients();
    }

    /** Picks up the {@code .grad} of parameters that had none when the views were made. */
    void refreshGradients() {
      for (int i = 0; i < gradients.length; i++) {
        if (gradients[i] == null) {
          PtNDArray w = (PtNDArray) parameters.get(i).getValue().getArray();
          try (PtNDArray g = JniUtils.getGradient(w)) {
            if (g != null) {
              gradients[i] = g.reshape(-1);
              gradients[i].attach(manager);
            }
          }
        }
      }
    }

    /** All gradients as one flat vector in {@code scope} (zeros where there is none yet). */
    NDArray gradient(NDManager scope) {
      refreshGradients();
      NDList parts = new NDList(gradients.length);
      List<NDArray> zeros = new ArrayList<>();
      for (int i = 0; i < gradients.length; i++) {
        if (gradients[i] != null) {
          parts.add(gradients[i]);
        } else {
          NDArray z = scope.zeros(new Shape(offsets[i + 1] - offsets[i]), delta.getDataType());
          zeros.add(z);
          parts.add(z);
        }
      }
      NDArray flat = parts.size() == 1 ? parts.get(0).duplicate() : NDArrays.concat(parts);
      flat.attach(scope);
      return flat;
    }

    /** All parameters as one flat vector in {@code scope}. */
    NDArray weight(NDManager scope) {
      NDArray flat =
          weights.length == 1 ? weights[0].duplicate() : NDArrays.concat(new NDList(weights));
      flat.attach(scope);
      return flat;
    }

    @Override
    public void close() {
      manager.close();
    }
  }

  private Views views() {
    if (views == null) {
      views = new Views();
    }
    return views;
  }

  /**
   * Takes {@code next} as the parameters: the same names and shapes in the same order, held by new
   * objects (loading parameters replaces the arrays). Momentum stays.
   */
  public void rebind(List<Pair<String, Parameter>> next) {
    if (next.size() != parameters.size()) {
      throw new IllegalArgumentException(
          "rebinding " + next.size() + " parameters to an optimizer of " + parameters.size());
    }
    for (int i = 0; i < next.size(); i++) {
      var was = parameters.get(i);
      var now = next.get(i);
      // (the arrays of the old ones may be closed already: compare names)
      if (!was.getKey().equals(now.getKey())) {
        throw new IllegalArgumentException(
            "parameter " + i + " was " + was.getKey() + ", is now " + now.getKey());
      }
    }
    parameters = List.copyOf(next);
    if (views != null) {
      views.close();
      views = null;
    }
  }

  /** Trainable parameters in a fixed order (the order used for flat gradient exchange). */
  public List<Pair<String, Parameter>> parameters() {
    return parameters;
  }

  /** Number of scalars over all trainable parameters. */
  public int size() {
    return views().size;
  }

  /** Copies all gradients into one flat vector (zeros for parameters the loss did not reach). */
  public float[] exportGradients() {
    GradMode.off();
    try (NDManager scope = stateManager.newSubManager()) {
      return views().gradient(scope).toFloatArray();
    }
  }

  /** Sets the gradient of the next {@link #step} to {@code flat} (the all-reduced mean). */
  public void importGradients(float[] flat) {
    GradMode.off();
    if (flat.length != size()) {
      throw new IllegalArgumentException(
          "gradient vector has " + flat.length + " values, model has " + size());
    }
    if (imported != null) {
      imported.close();
    }
    // a clone in PyTorch's memory (Batches), not a tensor over a Java buffer the GC may free
    imported = Batches.floats(stateManager, flat, new Shape(flat.length));
  }

  /**
   * One update with learning rate {@code lr} from the parameters' gradients (or the imported ones);
   * clears the gradients afterwards. Temporaries live in a scope that closes with the step.
   */
  public void step(double lr) {
    GradMode.off();
    Views v = views();
    try (NDManager scope = stateManager.newSubManager()) {
      NDArray g;
      if (imported != null) {
        g = imported;
        g.attach(scope);
        imported = null;
      } else {
        g = v.gradient(scope);
      }
      if (weightDecay > 0) {
        NDArray decay = v.weight(scope).muli(weightDecay);
        g = g.add(decay);
        g.attach(scope);
      }
      NDArray update = g;
      if (momentum > 0) {
        if (velocity == null) {
          velocity = g.duplicate(); // torch.optim.SGD: the first buffer is the gradient itself
          velocity.attach(stateManager);
        } else {
          velocity.muli(momentum).addi(g);
        }
        if (nesterov) {
          NDArray mv = velocity.mul(momentum);
          mv.attach(scope);
          update = g.add(mv);
          update.attach(scope);
        } else {
          update = velocity;
        }
      }
      // the flat update, in place in the buffer the per-parameter slices view
      v.delta.set(new ai.djl.ndarray.index.NDIndex("..."), update);
      v.delta.muli(lr);
      for (int i = 0; i < v.deltas.length; i++) {
        parameters.get(i).getValue().getArray().subi(v.deltas[i]);
      }
    }
    zeroGradients();
  }

  /** Momentum buffers by parameter name, for checkpoints (empty before the first step). */
  public Map<String, float[]> state() {
    Map<String, float[]> out = new LinkedHashMap<>();
    if (velocity == null) {
      return out;
    }
    float[] all = velocity.toFloatArray();
    int[] offsets = views().offsets;
    for (int i = 0; i < parameters.size(); i++) {
      float[] part = new float[offsets[i + 1] - offsets[i]];
      System.arraycopy(all, offsets[i], part, 0, part.length);
      out.put(parameters.get(i).getKey(), part);
    }
    return out;
  }

  /**
   * Restores momentum buffers written by {@link #state()}: every parameter's, or none (a checkpoint
   * written before the first step).
   */
  public void restore(Map<String, float[]> state) {
    if (velocity != null) {
      velocity.close();
      velocity = null;
    }
    if (state.isEmpty()) {
      return;
    }
    Map<String, Integer> index = new LinkedHashMap<>();
    for (int i = 0; i < parameters.size(); i++) {
      index.put(parameters.get(i).getKey(), i);
    }
    for (String name : state.keySet()) {
      if (!index.containsKey(name)) {
        throw new IllegalArgumentException("optimizer state names unknown parameter " + name);
      }
    }
    int[] offsets = views().offsets;
    float[] all = new float[offsets[parameters.size()]];
    for (int i = 0; i < parameters.size(); i++) {
      String name = parameters.get(i).getKey();
      float[] part = state.get(name);
      if (part == null || part.length != offsets[i + 1] - offsets[i]) {
        throw new IllegalArgumentException(
            "optimizer state for "
                + name
                + (part == null
                    ? " is missing"
                    : " has "
                        + part.length
                        + " values, the parameter has "
                        + (offsets[i + 1] - offsets[i])));
      }
      System.arraycopy(part, 0, all, offsets[i], part.length);
    }
    velocity = Batches.floats(stateManager, all, new Shape(all.length));
  }

  /**
   * Zeroes every gradient in place (a fill, not a multiplication by 0, which would keep a NaN or
   * Inf; in place, so the flat views of the gradients stay valid). An imported gradient is dropped.
   */
  public void zeroGradients() {
    GradMode.off();
    for (var p : parameters) {
      JniUtils.zeroGrad((PtNDArray) p.getValue().getArray());
    }
    if (imported != null) {
      imported.close();
      imported = null;
    }
  }

  /**
   * The names of the parameters whose gradient holds a NaN or an infinity (empty when all are
   * finite): one reduction over the flat gradient, whose sum is non-finite exactly then (or when it
   * overflows, which is as bad); only then is each parameter looked at.
   */
  public List<String> nonFiniteGradients() {
    GradMode.off();
    List<String> bad = new ArrayList<>();
    try (NDManager scope = stateManager.newSubManager()) {
      NDArray sum = views().gradient(scope).sum();
      sum.attach(scope);
      if (Float.isFinite(sum.getFloat())) {
        return bad;
      }
      for (int i = 0; i < parameters.size(); i++) {
        NDArray g = views.gradients[i];
        if (g == null) {
          continue;
        }
        NDArray s = g.sum();
        s.attach(scope);
        if (!Float.isFinite(s.getFloat())) {
          bad.add(parameters.get(i).getKey());
        }
      }
    }
    return bad;
  }

  static List<Pair<String, Parameter>> trainable(ai.djl.nn.Block... blocks) {
    List<Pair<String, Parameter>> out = new ArrayList<>();
    int b = 0;
    for (ai.djl.nn.Block block : blocks) {
      if (block == null) {
        continue;
      }
      for (var p : block.getParameters()) {
        if (p.getValue().requiresGradient()) {
          out.add(new Pair<>(b + "/" + p.getKey(), p.getValue()));
        }
      }
      b++;
    }
    return out;
  }

  @Override
  public void close() {
    stateManager.close();
  }
}

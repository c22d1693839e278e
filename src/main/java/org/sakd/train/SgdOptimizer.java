package org.sakd.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.util.Pair;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SGD with momentum and weight decay over explicit parameter arrays, in PyTorch's formulation
 * (torch.optim.SGD docs): g ← ∇ + wd·w; v ← μ·v + g; w ← w − lr·(nesterov ? g + μ·v : v).
 *
 * <p>We own the optimizer (instead of DJL's Trainer) so that its momentum state can be checkpointed
 * exactly, and so that gradients can be exported, all-reduced across trainer replicas and written
 * back before the step. Gradients accumulate in PyTorch until cleared; {@link #step} clears them
 * after use.
 */
public final class SgdOptimizer implements AutoCloseable {
  private List<Pair<String, Parameter>> parameters;
  private final double momentum;
  private final double weightDecay;
  private final boolean nesterov;
  private final NDManager stateManager;
  private final Map<String, NDArray> velocity = new LinkedHashMap<>();

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
   * Takes {@code next} as the parameters: the same names and shapes in the same order, held by new
   * objects (a TorchScript student replaces its module when it loads). Momentum stays, by name.
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
  }

  /** Trainable parameters in a fixed order (the order used for flat gradient exchange). */
  public List<Pair<String, Parameter>> parameters() {
    return parameters;
  }

  /** Number of scalars over all trainable parameters. */
  public int size() {
    long n = 0;
    for (var p : parameters) {
      n += p.getValue().getArray().size();
    }
    return Math.toIntExact(n);
  }

  /** Copies all gradients into one flat vector (zeros for parameters the loss did not reach). */
  public float[] exportGradients() {
    float[] flat = new float[size()];
    int off = 0;
    for (var p : parameters) {
      NDArray w = p.getValue().getArray();
      int n = Math.toIntExact(w.size());
      try (NDArray g = w.getGradient()) {
        float[] v = g.toFloatArray();
        System.arraycopy(v, 0, flat, off, n);
      }
      off += n;
    }
    return flat;
  }

  /** Overwrites all gradients from one flat vector (the all-reduced mean). */
  public void importGradients(float[] flat) {
    GradMode.off();
    if (flat.length != size()) {
      throw new IllegalArgumentException(
          "gradient vector has " + flat.length + " values, model has " + size());
    }
    int off = 0;
    for (var p : parameters) {
      NDArray w = p.getValue().getArray();
      int n = Math.toIntExact(w.size());
      float[] part = new float[n];
      System.arraycopy(flat, off, part, 0, n);
      // Copy INTO the gradient's own storage. NDArray.set(float[]) on DJL's PyTorch engine does not
      // copy: it
      // re-points the tensor at a fresh Java direct buffer (torchSet → Tensor::set_ with a
      // non-owning DataPtr)
      // held only by the temporary wrapper g, so after g closes the parameter's .grad lives in
      // memory the GC
      // frees — a use-after-free on the next backward. Indexed assignment (index_put_) writes in
      // place.
      try (NDManager scope = stateManager.newSubManager();
          NDArray g = w.getGradient()) {
        g.set(new ai.djl.ndarray.index.NDIndex("..."), scope.create(part, w.getShape()));
      }
      off += n;
    }
  }

  /**
   * One update with learning rate {@code lr}; clears the gradients afterwards. Every temporary
   * lives in a scope that closes at the end of each parameter's update (results of ops on {@code w}
   * would otherwise attach to the network's manager and accumulate native memory every step).
   */
  public void step(double lr) {
    GradMode.off();
    for (var p : parameters) {
      NDArray w = p.getValue().getArray();
      try (NDManager scope = stateManager.newSubManager()) {
        NDArray g = w.getGradient();
        g.attach(scope);
        NDArray update = g;
        if (weightDecay > 0) {
          NDArray decay = w.mul(weightDecay);
          decay.attach(scope);
          update = g.add(decay);
          update.attach(scope);
        }
        if (momentum > 0) {
          NDArray v = velocity.get(p.getKey());
          if (v == null) {
            v = update.duplicate();
            v.attach(stateManager);
            velocity.put(p.getKey(), v);
          } else {
            v.muli(momentum).addi(update);
          }
          if (nesterov) {
            NDArray mv = v.mul(momentum);
            mv.attach(scope);
            update = update.add(mv);
            update.attach(scope);
          } else {
            update = v;
          }
        }
        NDArray delta = update.mul(lr);
        delta.attach(scope);
        w.subi(delta);
        g.set(new ai.djl.ndarray.index.NDIndex("..."), 0f);
      }
    }
  }

  /** Momentum buffers by parameter name, for checkpoints. */
  public Map<String, float[]> state() {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (var e : velocity.entrySet()) {
      out.put(e.getKey(), e.getValue().toFloatArray());
    }
    return out;
  }

  /** Restores momentum buffers written by {@link #state()}. */
  public void restore(Map<String, float[]> state) {
    velocity.values().forEach(NDArray::close);
    velocity.clear();
    Map<String, Parameter> byName = new LinkedHashMap<>();
    for (var p : parameters) {
      byName.put(p.getKey(), p.getValue());
    }
    for (var e : state.entrySet()) {
      Parameter p = byName.get(e.getKey());
      if (p == null) {
        throw new IllegalArgumentException("optimizer state names unknown parameter " + e.getKey());
      }
      NDArray v = stateManager.create(e.getValue(), p.getArray().getShape());
      velocity.put(e.getKey(), v);
    }
  }

  /**
   * Zeroes every gradient (e.g. after a forward/backward whose result is discarded). A fill, not a
   * multiplication by 0, which would keep a NaN or Inf.
   */
  public void zeroGradients() {
    GradMode.off();
    for (var p : parameters) {
      try (NDArray g = p.getValue().getArray().getGradient()) {
        g.set(new ai.djl.ndarray.index.NDIndex("..."), 0f);
      }
    }
  }

  /**
   * The names of the parameters whose gradient holds a NaN or an infinity (empty when all are
   * finite): one reduction per parameter, whose sum is non-finite exactly then (or when it
   * overflows, which is as bad).
   */
  public List<String> nonFiniteGradients() {
    GradMode.off();
    List<String> bad = new ArrayList<>();
    for (var p : parameters) {
      try (NDArray g = p.getValue().getArray().getGradient();
          NDArray sum = g.sum()) {
        if (!Float.isFinite(sum.getFloat())) {
          bad.add(p.getKey());
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

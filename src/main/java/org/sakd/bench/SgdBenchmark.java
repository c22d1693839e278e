package org.sakd.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sakd.train.GradMode;
import org.sakd.train.Network;
import org.sakd.train.SgdOptimizer;

/**
 * The optimizer step alone: the project's fused SGD ({@link SgdOptimizer}: flat vectors, ~2 JNI
 * crossings per parameter) against the same formula applied parameter by parameter (the optimizer's
 * previous form, ~12 crossings per parameter), alternating on one network after real backward
 * passes. Usage: [--json] [model ...] (default r3d-micro r3d-tiny slowfast-micro); prints ms per
 * step and their ratio.
 */
public final class SgdBenchmark {
  private SgdBenchmark() {}

  /** torch.optim.SGD's formula one parameter at a time, every temporary in a per-step scope. */
  static final class PerParameter implements AutoCloseable {
    private final List<Pair<String, Parameter>> params;
    private final NDManager state;
    private final Map<String, NDArray> velocity = new HashMap<>();

    PerParameter(List<Pair<String, Parameter>> params, NDManager parent) {
      this.params = params;
      this.state = parent.newSubManager();
    }

    void step(double lr, double momentum, double weightDecay) {
      GradMode.off();
      for (var p : params) {
        NDArray w = p.getValue().getArray();
        try (NDManager scope = state.newSubManager()) {
          NDArray g = w.getGradient();
          g.attach(scope);
          NDArray decay = w.mul(weightDecay);
          decay.attach(scope);
          NDArray update = g.add(decay);
          update.attach(scope);
          NDArray v = velocity.get(p.getKey());
          if (v == null) {
            v = update.duplicate();
            v.attach(state);
            velocity.put(p.getKey(), v);
          } else {
            v.muli(momentum).addi(update);
          }
          NDArray delta = v.mul(lr);
          delta.attach(scope);
          w.subi(delta);
          g.set(new NDIndex("..."), 0f);
        }
      }
    }

    @Override
    public void close() {
      state.close();
    }
  }

  public static void main(String[] args) {
    boolean json = List.of(args).contains("--json");
    List<String> models =
        List.of(args).stream().filter(a -> !a.startsWith("--")).toList().isEmpty()
            ? List.of("r3d-micro", "r3d-tiny", "slowfast-micro")
            : List.of(args).stream().filter(a -> !a.startsWith("--")).toList();
    int steps = 40;
    StringBuilder out = new StringBuilder(json ? "[" : "");
    for (String model : models) {
      try (NDManager root = NDManager.newBaseManager();
          Network net = Network.create(model, 10, root, 1);
          SgdOptimizer fused = new SgdOptimizer(net.trainable(), 0.9, 5e-4, false, root);
          PerParameter plain = new PerParameter(net.trainable(), root)) {
        long[] nanos = new long[2];
        for (int i = 0; i < 2 * steps + 4; i++) {
          try (NDManager s = root.newSubManager();
              GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDArray x = s.randomNormal(net.classifier().inputShape(6));
            NDArray loss = net.forward(x, true).get(0).logSoftmax(1).get(":, 0").neg().mean();
            gc.backward(loss);
          }
          long t0 = System.nanoTime();
          if (i % 2 == 0) {
            fused.step(0.01);
          } else {
            plain.step(0.01, 0.9, 5e-4);
          }
          if (i >= 4) {
            nanos[i % 2] += System.nanoTime() - t0;
          }
        }
        double fusedMs = nanos[0] / 1e6 / steps;
        double plainMs = nanos[1] / 1e6 / steps;
        int arrays = net.trainable().size();
        if (json) {
          out.append(out.length() > 1 ? "," : "")
              .append(
                  String.format(
                      Locale.ROOT,
                      "{\"model\":\"%s\",\"parameter_arrays\":%d,\"per_parameter_ms\":%.3f,"
                          + "\"fused_ms\":%.3f,\"speedup\":%.2f}",
                      model,
                      arrays,
                      plainMs,
                      fusedMs,
                      plainMs / fusedMs));
        } else {
          out.append(
              String.format(
                  Locale.ROOT,
                  "%-16s %3d parameter arrays  SGD step: per-parameter %6.2f ms, fused %6.2f ms"
                      + "  (%.2fx)%n",
                  model,
                  arrays,
                  plainMs,
                  fusedMs,
                  plainMs / fusedMs));
        }
      }
    }
    System.out.println(json ? out.append("]") : out);
  }
}

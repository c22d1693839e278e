package org.sakd.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sakd.monitor.Json;
import org.sakd.train.GradMode;
import org.sakd.train.Network;
import org.sakd.train.SgdOptimizer;

/**
 * One network three ways: built in DJL (one JNI call per operator), compiled to TorchScript by this
 * project ({@code model.compile}), and, where PyTorch made one, the same architecture scripted by
 * PyTorch. Clips/s of a training step (forward, cross-entropy, backward, the project's SGD step) on
 * one compute thread, the variants taking turns batch by batch on the same random clips. The
 * PyTorch-scripted module is bench/peer/torch_kd.py's mirror of the registry's R3D network, made by
 * bench/peer/script_r3d.py (scripts/bench torchscript makes it when a Python with torch is there).
 * Usage: MODULE.pt|- MODEL CLASSES [--json] [--steps N].
 */
public final class TorchScriptBenchmark {
  private TorchScriptBenchmark() {}

  private static double ms(long nanos, int steps) {
    return Math.round(nanos / 1e4 / steps) / 100.0;
  }

  public static void main(String[] args) {
    // one compute thread on every side, set before the engine starts (it reads it once)
    if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
      System.setProperty("ai.djl.pytorch.num_threads", "1");
    }
    boolean json = List.of(args).contains("--json");
    List<String> plain = List.of(args).stream().filter(a -> !a.startsWith("--")).toList();
    int steps = 30;
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals("--steps")) {
        steps = Integer.parseInt(args[i + 1]);
      }
    }
    String module = plain.get(0);
    String model = plain.get(1);
    int classes = Integer.parseInt(plain.get(2));
    int batch = 6;
    List<String> names = new ArrayList<>(List.of("built in DJL", "compiled by this project"));
    List<Network> nets = new ArrayList<>();
    List<SgdOptimizer> opts = new ArrayList<>();
    try (NDManager root = NDManager.newBaseManager()) {
      nets.add(Network.create(model, classes, root, 1));
      nets.add(Network.compiled(model, classes, true, root, 1));
      Shape clip = nets.get(0).classifier().inputShape(1).slice(1);
      if (!module.equals("-")) {
        names.add("scripted by PyTorch");
        nets.add(Network.create("torchscript:" + module, classes, clip, true, root, 1));
      }
      for (Network n : nets) {
        opts.add(new SgdOptimizer(n.trainable(), 0.9, 5e-4, false, root));
      }
      long[] counts = new long[nets.size()];
      for (int k = 0; k < nets.size(); k++) {
        counts[k] =
            nets.get(k).trainable().stream().mapToLong(p -> p.getValue().getArray().size()).sum();
      }
      long[] nanos = new long[nets.size()];
      // forward with the loss, backward, SGD: where a variant's time goes
      long[][] phases = new long[nets.size()][3];
      try (NDManager data = root.newSubManager()) {
        NDArray x = data.randomNormal(nets.get(0).classifier().inputShape(batch));
        NDArray y =
            data.randomInteger(0, classes, new Shape(batch), ai.djl.ndarray.types.DataType.INT64);
        int n = nets.size();
        for (int i = 0; i < n * (steps + 2); i++) {
          int k = i % n;
          long t0 = System.nanoTime();
          try (NDManager s = root.newSubManager();
              GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDList out = nets.get(k).forward(x, true);
            NDArray logp = out.get(0).logSoftmax(1);
            NDArray loss = logp.mul(y.oneHot(classes)).sum(new int[] {1}).neg().mean();
            loss.getFloat();
            long t1 = System.nanoTime();
            gc.backward(loss);
            if (i >= 2 * n) {
              phases[k][0] += t1 - t0;
              phases[k][1] += System.nanoTime() - t1;
            }
          }
          long t2 = System.nanoTime();
          GradMode.off();
          opts.get(k).step(0.01);
          if (i >= 2 * n) {
            long t3 = System.nanoTime();
            phases[k][2] += t3 - t2;
            nanos[k] += t3 - t0;
          }
        }
      }
      double[] rates = new double[nets.size()];
      for (int k = 0; k < nets.size(); k++) {
        rates[k] = batch * steps / (nanos[k] / 1e9);
      }
      if (json) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("model", model);
        r.put("steps", steps);
        for (int k = 0; k < nets.size(); k++) {
          String key = k == 0 ? "djl" : k == 1 ? "compiled" : "torchscript";
          r.put("parameters_" + key, counts[k]);
          r.put(key + "_clips_per_s", Math.round(rates[k] * 10) / 10.0);
          r.put(key + "_forward_ms", ms(phases[k][0], steps));
          r.put(key + "_backward_ms", ms(phases[k][1], steps));
          r.put(key + "_sgd_ms", ms(phases[k][2], steps));
          if (k > 0) {
            r.put(key + "_vs_djl", Math.round(rates[k] / rates[0] * 100) / 100.0);
          }
        }
        System.out.println(Json.write(r));
      } else {
        System.out.printf(
            Locale.ROOT,
            "%s, batch %d of %s, %d steps each, one compute thread%n",
            model,
            batch,
            clip,
            steps);
        for (int k = 0; k < nets.size(); k++) {
          System.out.printf(
              Locale.ROOT,
              "  %-26s %7.1f clips/s  (%d parameters; forward and loss %.2f, backward %.2f,"
                  + " SGD %.2f ms)%s%n",
              names.get(k) + ":",
              rates[k],
              counts[k],
              ms(phases[k][0], steps),
              ms(phases[k][1], steps),
              ms(phases[k][2], steps),
              k == 0 ? "" : String.format(Locale.ROOT, "  %.2fx DJL's", rates[k] / rates[0]));
        }
      }
      for (SgdOptimizer o : opts) {
        o.close();
      }
      for (Network n : nets) {
        n.close();
      }
    }
  }
}

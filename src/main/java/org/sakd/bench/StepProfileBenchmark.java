package org.sakd.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import org.sakd.data.Clip;
import org.sakd.distill.DistillInput;
import org.sakd.distill.DistillLosses;
import org.sakd.distill.Distiller;
import org.sakd.distill.Distillers;
import org.sakd.distill.SakdLoss;
import org.sakd.distill.Supervisor;
import org.sakd.monitor.Json;
import org.sakd.train.Batches;
import org.sakd.train.GradMode;
import org.sakd.train.Network;
import org.sakd.train.SgdOptimizer;

/**
 * Where one training step's time goes on the Java side: the step of {@code StudentReplica} taken
 * apart into its phases and timed one by one on the demo pair's shapes (student {@code r3d-micro},
 * batch 6 of 3×8×56×56 clips, KD with SAKD's α-weighted loss, teacher rows given): decoded clips
 * and teacher rows into tensors (two copies: heap → one reused direct buffer → PyTorch's memory),
 * forward and loss, backward, the finite-gradient check, freeing the step's arrays (the scope that
 * holds the batch, the activations and the graph closes), the fused SGD step, and, for a cluster,
 * the gradient's export to a Java array. Usage: [--json] [--steps N] [model]; prints ms per phase
 * and its share of the step. One compute thread unless {@code ai.djl.pytorch.num_threads} says
 * otherwise.
 */
public final class StepProfileBenchmark {
  private StepProfileBenchmark() {}

  public static void main(String[] args) {
    boolean json = List.of(args).contains("--json");
    int steps = 40;
    String model = "r3d-micro";
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--steps")) {
        steps = Integer.parseInt(args[++i]);
      } else if (!args[i].startsWith("--")) {
        model = args[i];
      }
    }
    if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
      System.setProperty("ai.djl.pytorch.num_threads", "1");
      System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }
    int batch = 6;
    int classes = 10;
    int featureDim = 64;
    Random rng = new Random(1);
    List<Clip> clips = new ArrayList<>();
    for (int i = 0; i < batch; i++) {
      float[] d = new float[3 * 8 * 56 * 56];
      for (int j = 0; j < d.length; j++) {
        d[j] = (float) rng.nextGaussian();
      }
      clips.add(new Clip(d, 3, 8, 56, 56));
    }
    int[] labels = new int[batch];
    float[] teacherLogits = new float[batch * classes];
    float[] teacherFeatures = new float[batch * featureDim];
    float[] alpha = new float[batch];
    for (int i = 0; i < batch; i++) {
      labels[i] = i % classes;
      alpha[i] = 0.5f;
    }
    for (int i = 0; i < teacherLogits.length; i++) {
      teacherLogits[i] = (float) rng.nextGaussian();
    }
    String[] phases = {
      "clips and teacher rows into tensors",
      "forward and loss",
      "backward",
      "finite-gradient check",
      "freeing the step's arrays",
      "SGD step (fused)",
      "gradient export (cluster only)"
    };
    long[] nanos = new long[phases.length];
    Distiller kd = Distillers.create("kd", Distillers.defaults("kd"));
    try (NDManager root = NDManager.newBaseManager();
        Network net = Network.create(model, classes, root, 1);
        SgdOptimizer sgd = new SgdOptimizer(net.trainable(), 0.9, 5e-4, false, root)) {
      ParameterStore store = new ParameterStore(root, false);
      kd.initialize(root, net.classifier().featureDim(), featureDim, classes);
      int warm = 5;
      for (int s = 0; s < steps + warm; s++) {
        long[] t = new long[phases.length + 1];
        GradMode.off();
        try (NDManager scope = root.newSubManager()) {
          t[0] = System.nanoTime();
          NDArray x = Batches.stack(scope, clips);
          NDArray y = Batches.labels(scope, labels);
          NDArray tl = Batches.floats(scope, teacherLogits, new Shape(batch, classes));
          NDArray tf = Batches.floats(scope, teacherFeatures, new Shape(batch, featureDim));
          NDArray a = Batches.floats(scope, alpha, new Shape(batch));
          t[1] = System.nanoTime();
          try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
            NDList out = net.forward(x, true);
            DistillLosses l =
                kd.losses(
                    new DistillInput(out.get(0), out.get(1), tl, tf, y, null, null, s, true),
                    store);
            NDArray loss = SakdLoss.sakd(l, a, kd.ceWeight(), Supervisor.GT_AND_TEACHER);
            loss.getFloat();
            t[2] = System.nanoTime();
            gc.backward(loss);
          }
          t[3] = System.nanoTime();
          sgd.nonFiniteGradients();
          t[4] = System.nanoTime();
        }
        t[5] = System.nanoTime(); // the step's arrays are freed
        sgd.step(0.01);
        t[6] = System.nanoTime();
        sgd.exportGradients();
        t[7] = System.nanoTime();
        if (s >= warm) {
          for (int p = 0; p < phases.length; p++) {
            nanos[p] += t[p + 1] - t[p];
          }
        }
      }
    }
    double step = 0;
    for (int p = 0; p < phases.length - 1; p++) {
      step += nanos[p];
    }
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("model", model);
    row.put("batch", batch);
    row.put("threads", System.getProperty("ai.djl.pytorch.num_threads"));
    StringBuilder text =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "%s, batch %d of 3x8x56x56, KD with SAKD's loss, %s PyTorch thread(s), %d steps%n",
                model,
                batch,
                System.getProperty("ai.djl.pytorch.num_threads"),
                steps));
    for (int p = 0; p < phases.length; p++) {
      double ms = nanos[p] / 1e6 / steps;
      double share = nanos[p] / step;
      row.put(phases[p] + " ms", ms);
      text.append(
          String.format(
              Locale.ROOT,
              "  %-38s %8.2f ms  %5.1f %%%s%n",
              phases[p],
              ms,
              100 * share,
              p == phases.length - 1 ? " (not part of a one-JVM step)" : ""));
    }
    row.put("step ms", step / 1e6 / steps);
    text.append(String.format(Locale.ROOT, "  %-38s %8.2f ms%n", "step", step / 1e6 / steps));
    System.out.print(json ? Json.write(row) + "\n" : text);
  }
}

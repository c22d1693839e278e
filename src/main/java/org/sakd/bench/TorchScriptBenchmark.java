package org.sakd.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import java.util.Locale;
import org.sakd.train.GradMode;
import org.sakd.train.Network;
import org.sakd.train.SgdOptimizer;

/**
 * A TorchScript student against the same architecture built in DJL: clips/s of a training step
 * (forward, cross-entropy, backward, the project's SGD step) on one compute thread, the two
 * alternating batch by batch on the same random clips. The TorchScript module is
 * bench/peer/torch_kd.py's mirror of the registry's R3D network, scripted by
 * bench/peer/script_r3d.py (scripts/bench torchscript makes it). Usage: MODULE.pt MODEL CLASSES
 * [--json] [--steps N].
 */
public final class TorchScriptBenchmark {
  private TorchScriptBenchmark() {}

  public static void main(String[] args) {
    // one compute thread on both sides, set before the engine starts (it reads it once)
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
    try (NDManager root = NDManager.newBaseManager();
        Network djl = Network.create(model, classes, root, 1)) {
      Shape clip = djl.classifier().inputShape(1).slice(1);
      try (Network ts = Network.create("torchscript:" + module, classes, clip, true, root, 1);
          SgdOptimizer djlOpt = new SgdOptimizer(djl.trainable(), 0.9, 5e-4, false, root);
          SgdOptimizer tsOpt = new SgdOptimizer(ts.trainable(), 0.9, 5e-4, false, root)) {
        long djlCount =
            djl.trainable().stream().mapToLong(p -> p.getValue().getArray().size()).sum();
        long tsCount = ts.trainable().stream().mapToLong(p -> p.getValue().getArray().size()).sum();
        long[] nanos = new long[2];
        try (NDManager data = root.newSubManager()) {
          NDArray x = data.randomNormal(djl.classifier().inputShape(batch));
          NDArray y =
              data.randomInteger(0, classes, new Shape(batch), ai.djl.ndarray.types.DataType.INT64);
          for (int i = 0; i < 2 * (steps + 2); i++) {
            boolean script = i % 2 == 1;
            Network net = script ? ts : djl;
            long t0 = System.nanoTime();
            try (NDManager s = root.newSubManager();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
              NDList out = net.forward(x, true);
              NDArray logp = out.get(0).logSoftmax(1);
              NDArray loss = logp.mul(y.oneHot(classes)).sum(new int[] {1}).neg().mean();
              loss.getFloat();
              gc.backward(loss);
            }
            GradMode.off();
            (script ? tsOpt : djlOpt).step(0.01);
            if (i >= 4) {
              nanos[script ? 1 : 0] += System.nanoTime() - t0;
            }
          }
        }
        double djlRate = batch * steps / (nanos[0] / 1e9);
        double tsRate = batch * steps / (nanos[1] / 1e9);
        System.out.println(
            json
                ? String.format(
                    Locale.ROOT,
                    "{\"model\":\"%s\",\"parameters_djl\":%d,\"parameters_torchscript\":%d,"
                        + "\"djl_clips_per_s\":%.1f,\"torchscript_clips_per_s\":%.1f,"
                        + "\"ratio\":%.2f}",
                    model,
                    djlCount,
                    tsCount,
                    djlRate,
                    tsRate,
                    tsRate / djlRate)
                : String.format(
                    Locale.ROOT,
                    "%s, batch %d of %s, %d steps each, one compute thread%n"
                        + "  built in DJL:        %7.1f clips/s  (%d parameters)%n"
                        + "  TorchScript module:  %7.1f clips/s  (%d parameters)  %.2fx DJL's",
                    model,
                    batch,
                    clip,
                    steps,
                    djlRate,
                    djlCount,
                    tsRate,
                    tsCount,
                    tsRate / djlRate));
      }
    }
  }
}

package org.sakd.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.util.List;

/**
 * The plain training loop's step, kept only as the benchmarks' baseline ({@code scripts/bench
 * pipeline}): one cross-entropy SGD step on a decoded batch on the calling thread, no actors, no
 * prefetching. Every run of the tool trains through the pipeline ({@code
 * org.sakd.pipeline.SupervisedRun} for cross-entropy training).
 */
public final class PlainLoop {
  private PlainLoop() {}

  /** One cross-entropy SGD step on a decoded batch; returns the mean loss. */
  public static double step(
      Network net, SgdOptimizer opt, List<org.sakd.data.Clip> clips, int[] labels, double lr) {
    double loss;
    GradMode.BACKWARD.lock();
    try (NDManager scope = net.manager().newSubManager()) {
      GradMode.off();
      NDArray x = Batches.stack(scope, clips);
      NDArray y = Batches.labels(scope, labels);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray logits = net.forward(x, true).get(0);
        NDArray l = org.sakd.distill.CrossEntropy.perSample(logits, y).mean();
        loss = l.getFloat();
        NonFiniteLossException.check("cross-entropy training", -1, loss);
        gc.backward(l);
      }
    } finally {
      GradMode.BACKWARD.unlock();
    }
    opt.step(lr);
    return loss;
  }
}

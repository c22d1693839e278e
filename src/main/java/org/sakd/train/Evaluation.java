package org.sakd.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.List;
import java.util.concurrent.ExecutorService;
import org.sakd.data.Sample;
import org.sakd.monitor.Progress;

/** Top-1 / Top-5 of a network on the test split, centre clips, eval mode, no gradients. */
public final class Evaluation {
  private Evaluation() {}

  public record Result(double top1, double top5, long samples) {}

  public static Result run(Network net, List<Sample> test, ClipLoader loader, ExecutorService pool, int batchSize,
      int decodeAhead) {
    TopK topk = new TopK();
    int classes = net.classifier().numClasses();
    BatchPrefetcher batches = new BatchPrefetcher(test, batchSize, loader, pool, false, 0, 0, decodeAhead);
    try (Progress bar = new Progress("validate", test.size())) {
      while (batches.hasNext()) {
        BatchPrefetcher.Loaded b = batches.next();
        if (b.clips().isEmpty()) {
          continue;
        }
        try (NDManager scope = net.manager().newSubManager()) {
          NDArray x = Batches.stack(scope, b.clips());
          NDList out = net.forward(x, false);
          topk.add(out.get(0).toFloatArray(), classes, b.labels());
        }
        bar.step(b.clips().size(), Double.NaN);
      }
    }
    return new Result(topk.top1(), topk.top5(), topk.samples());
  }
}

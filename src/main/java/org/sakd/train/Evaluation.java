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

  /** Top-1/Top-5 in percent over {@code samples} test clips, and their confusion matrix. */
  public record Result(double top1, double top5, long samples, Confusion confusion) {}

  /** Centre clip only. */
  public static Result run(
      Network net,
      List<Sample> test,
      ClipLoader loader,
      ExecutorService pool,
      int batchSize,
      int decodeAhead) {
    return run(net, test, loader, pool, batchSize, decodeAhead, 1);
  }

  /**
   * {@code views} evenly spaced temporal views per test video, softmax-averaged (see {@link
   * ViewVotes}).
   */
  public static Result run(
      Network net,
      List<Sample> test,
      ClipLoader loader,
      ExecutorService pool,
      int batchSize,
      int decodeAhead,
      int views) {
    int classes = net.classifier().numClasses();
    ViewVotes votes = new ViewVotes(classes);
    try (Progress bar = new Progress("validate", (long) test.size() * views)) {
      for (int v = 0; v < views; v++) {
        int view = v;
        BatchPrefetcher batches =
            new BatchPrefetcher(
                test, batchSize, s -> loader.loadView(s, view, views), pool, decodeAhead);
        while (batches.hasNext()) {
          BatchPrefetcher.Loaded b = batches.next();
          if (b.clips().isEmpty()) {
            continue;
          }
          try (NDManager scope = net.manager().newSubManager()) {
            NDArray x = Batches.stack(scope, b.clips());
            NDList out = net.forward(x, false);
            votes.add(
                b.samples().stream().mapToInt(Sample::index).toArray(),
                b.labels(),
                out.get(0).toFloatArray());
          }
          bar.step(b.clips().size(), Double.NaN);
        }
      }
    }
    TopK topk = votes.topK();
    return new Result(topk.top1(), topk.top5(), topk.samples(), votes.confusion());
  }
}

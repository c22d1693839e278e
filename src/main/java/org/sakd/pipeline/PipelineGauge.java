package org.sakd.pipeline;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts decoded clips that are in the pipeline (decoded, not yet consumed by a training step) and
 * remembers the peak, so tests and the benchmark can check that back-pressure bounds memory.
 */
public final class PipelineGauge {
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicInteger peak = new AtomicInteger();

  public void decoded(int n) {
    int now = inFlight.addAndGet(n);
    peak.accumulateAndGet(now, Math::max);
  }

  public void consumed(int n) {
    inFlight.addAndGet(-n);
  }

  public int inFlight() {
    return inFlight.get();
  }

  public int peak() {
    return peak.get();
  }

  /**
   * The most decoded clips the training stream can hold: the decode stage's parallelism, the
   * buffer, the batch being grouped, the batch held back (so a last one-clip batch can join it),
   * one batch each at the teacher and trainer stages and one in the slack between them (plus the
   * one clip a merged last batch carries).
   */
  public static int bound(int decodeParallelism, int buffer, int batchSize) {
    return decodeParallelism + buffer + 5 * batchSize + 1;
  }
}

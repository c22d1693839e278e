package org.sakd.train;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import org.sakd.data.Clip;
import org.sakd.data.Sample;

/**
 * The plain (non-actor) loader: decodes the clips of upcoming batches on a thread pool, at most
 * {@code depth} batches ahead, and hands out batches in order. Failed clips are left out of their
 * batch (and recorded by the ClipLoader). Used by the supervised commands and as the baseline of
 * the pipeline benchmark.
 */
public final class BatchPrefetcher implements Iterator<BatchPrefetcher.Loaded> {
  /** One batch: the samples that decoded and their clips, index-aligned. */
  public record Loaded(List<Sample> samples, List<Clip> clips) {
    public int[] labels() {
      return samples.stream().mapToInt(Sample::label).toArray();
    }
  }

  private final List<List<Sample>> batches = new ArrayList<>();
  private final ArrayDeque<List<Future<Optional<Clip>>>> inFlight = new ArrayDeque<>();
  private final ArrayDeque<List<Sample>> inFlightSamples = new ArrayDeque<>();
  private final java.util.function.Function<Sample, Optional<Clip>> load;
  private final ExecutorService pool;
  private final int depth;
  private int next;

  /** Training or centre-clip batches: clips drawn with the seed of (run seed, epoch, sample). */
  public BatchPrefetcher(
      List<Sample> order,
      int batchSize,
      ClipLoader loader,
      ExecutorService pool,
      boolean train,
      long seed,
      int epoch,
      int depth) {
    this(
        order,
        batchSize,
        s -> loader.load(s, train, ClipLoader.clipSeed(seed, epoch, s.index())),
        pool,
        depth);
  }

  /** Batches of whatever {@code load} returns for each sample (e.g. one test view). */
  public BatchPrefetcher(
      List<Sample> order,
      int batchSize,
      java.util.function.Function<Sample, Optional<Clip>> load,
      ExecutorService pool,
      int depth) {
    for (int i = 0; i < order.size(); i += batchSize) {
      batches.add(order.subList(i, Math.min(order.size(), i + batchSize)));
    }
    // no one-clip remainder: it joins the batch before it (batch norm cannot train on a single
    // clip)
    int last = batches.size() - 1;
    if (last > 0 && batches.get(last).size() == 1) {
      List<Sample> joined =
          order.subList(order.size() - batches.get(last - 1).size() - 1, order.size());
      batches.remove(last);
      batches.set(last - 1, joined);
    }
    this.load = load;
    this.pool = pool;
    this.depth = Math.max(1, depth);
    fill();
  }

  public int batchCount() {
    return batches.size();
  }

  private void fill() {
    while (inFlight.size() < depth && next < batches.size()) {
      List<Sample> b = batches.get(next++);
      List<Future<Optional<Clip>>> fs = new ArrayList<>(b.size());
      for (Sample s : b) {
        fs.add(pool.submit(() -> load.apply(s)));
      }
      inFlight.add(fs);
      inFlightSamples.add(b);
    }
  }

  @Override
  public boolean hasNext() {
    return !inFlight.isEmpty();
  }

  @Override
  public Loaded next() {
    if (inFlight.isEmpty()) {
      throw new NoSuchElementException();
    }
    List<Future<Optional<Clip>>> fs = inFlight.poll();
    List<Sample> samples = inFlightSamples.poll();
    List<Sample> okSamples = new ArrayList<>();
    List<Clip> clips = new ArrayList<>();
    for (int i = 0; i < fs.size(); i++) {
      Optional<Clip> c;
      try {
        c = fs.get(i).get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while decoding", e);
      } catch (ExecutionException e) {
        throw new IllegalStateException("decoder failed", e.getCause());
      }
      if (c.isPresent()) {
        okSamples.add(samples.get(i));
        clips.add(c.get());
      }
    }
    fill();
    return new Loaded(okSamples, clips);
  }
}

package org.sakd.sakd;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;

/**
 * GreeDi (Mirzasoleiman et al., "Distributed Submodular Maximization", NeurIPS 2013) for training
 * sets too large for one global greedy (METHOD.md section 5): split the samples into random shards,
 * run the inner selector for min(k, shard size) on each, then run it once more for k on the union
 * of the shards' picks. At or below {@code threshold} samples it simply delegates to the inner
 * selector.
 */
public final class PartitionedSelector implements SubsetSelector {

  private final SubsetSelector inner;
  private final int shards;
  private final int threshold;

  public PartitionedSelector(SubsetSelector inner, int shards, int threshold) {
    if (inner == null) {
      throw new IllegalArgumentException("partitioned selection needs an inner selector");
    }
    if (shards < 2) {
      throw new IllegalArgumentException(
          "partitioned selection needs at least 2 shards, got " + shards);
    }
    if (threshold < 1) {
      throw new IllegalArgumentException(
          "partition threshold must be >= 1 sample, got " + threshold);
    }
    this.inner = inner;
    this.shards = shards;
    this.threshold = threshold;
  }

  @Override
  public int[] select(SelectionInput in, int k, Random rng) {
    SubsetSelector.checkBudget(in, k);
    int m = in.samples();
    if (m <= threshold) {
      return inner.select(in, k, rng);
    }
    int parts = Math.min(shards, m);
    int[] order = TemporalInterruption.drawWithoutReplacement(m, m, rng);
    long[] seeds = new long[parts];
    for (int s = 0; s < parts; s++) {
      seeds[s] = rng.nextLong();
    }
    // Shards are independent; two at a time keeps at most two shard copies of the features alive.
    List<ForkJoinTask<int[]>> tasks = new ArrayList<>();
    for (int s = 0; s < parts; s++) {
      int from = (int) ((long) s * m / parts);
      int to = (int) ((long) (s + 1) * m / parts);
      int[] ids = Arrays.copyOfRange(order, from, to);
      long seed = seeds[s];
      tasks.add(
          ForkJoinTask.adapt(
              () -> {
                int[] local =
                    inner.select(in.subset(ids), Math.min(k, ids.length), new Random(seed));
                int[] global = new int[local.length];
                for (int i = 0; i < local.length; i++) {
                  global[i] = ids[local[i]];
                }
                return global;
              }));
    }
    int[] union = runTwoAtATime(tasks);
    if (union.length <= k) {
      return union;
    }
    int[] local = inner.select(in.subset(union), k, rng);
    int[] picked = new int[k];
    for (int i = 0; i < k; i++) {
      picked[i] = union[local[i]];
    }
    return picked;
  }

  private static int[] runTwoAtATime(List<ForkJoinTask<int[]>> tasks) {
    List<int[]> results = new ArrayList<>();
    ForkJoinPool pool = ForkJoinPool.commonPool();
    for (int i = 0; i < tasks.size(); i += 2) {
      List<ForkJoinTask<int[]>> wave = tasks.subList(i, Math.min(i + 2, tasks.size()));
      for (ForkJoinTask<int[]> task : wave) {
        pool.execute(task);
      }
      for (ForkJoinTask<int[]> task : wave) {
        results.add(task.join());
      }
    }
    return results.stream().flatMapToInt(Arrays::stream).toArray();
  }

  @Override
  public String toString() {
    return "partitioned(" + inner + ", shards=" + shards + ", threshold=" + threshold + ")";
  }
}

package org.sakd.bench;

import java.util.Locale;
import java.util.Random;
import org.sakd.sakd.DppSampleSelector;
import org.sakd.sakd.GreedyDppSelector;
import org.sakd.sakd.KDppSampler;
import org.sakd.sakd.PartitionedSelector;
import org.sakd.sakd.RandomSelector;
import org.sakd.sakd.SelectionInput;
import org.sakd.sakd.Selectors;
import org.sakd.sakd.SubsetSelector;

/**
 * Times SAKD's greedy DPP selection at the paper's dataset scales on seeded synthetic features:
 * Gaussian clusters (one per class, unit-variance centres plus unit-variance noise) and uniform
 * quality in [0, 1). Scales: UCF101 (global greedy), partitioned vs global at 20,000 samples (D =
 * 1,024, k = 5%), Kinetics-400 (partitioned, D = 512 so the 234,619 feature rows fit a 4 GiB heap:
 * 480 MB). The exact k-DPP sampler ({@code dpp-sample}) is timed at the UCF101 and Kinetics-400
 * scales, globally (it is never partitioned), with the seconds of each phase: row weights, gram (C
 * = BᵀB), eigen (dsyevd), choose (e_k recursion), project (Y = B·V·Λ^{−1/2}), sample (sequential
 * draw), fill. Run with {@code -Xmx4g --add-modules jdk.incubator.vector} (the selector's kernels
 * use the JDK Vector API); {@code --json} prints one JSON object per line, {@code --skip-kinetics}
 * leaves out the largest scale, {@code --sample-only} runs only the dpp-sample rows.
 */
public final class DppBenchmark {

  private static final double GAMMA = 0.5;
  private static final double RATIO = 0.10;

  private DppBenchmark() {}

  public static void main(String[] args) {
    boolean json = false;
    boolean skipKinetics = false;
    boolean sampleOnly = false;
    for (String arg : args) {
      switch (arg) {
        case "--json" -> json = true;
        case "--skip-kinetics" -> skipKinetics = true;
        case "--sample-only" -> sampleOnly = true;
        default ->
            throw new IllegalArgumentException(
                "unknown argument '" + arg + "'; allowed: --json, --skip-kinetics, --sample-only");
      }
    }
    if (!sampleOnly) {
      print(global("ucf101", 9_537, 2_304, 101, 1L), json);
      print(partitionedVsGlobal("partitioned-20k", 20_000, 1_024, 200, 8, 0.05, 2L), json);
    }
    print(sampled("ucf101", 9_537, 2_304, 101, 1L), json);
    if (!skipKinetics) {
      if (!sampleOnly) {
        print(partitioned("kinetics400", 234_619, 512, 400, 8, 3L), json);
      }
      print(sampled("kinetics400", 234_619, 512, 400, 3L), json);
    }
  }

  /** dpp-sample, global, with each phase's seconds. */
  private static String sampled(String scale, int m, int dim, int clusters, long seed) {
    SelectionInput in = clustered(m, dim, clusters, seed);
    int k = Selectors.budget(RATIO, m);
    DppSampleSelector dpp = new DppSampleSelector(GAMMA);
    dpp.select(
        clustered(2_000, dim, clusters, seed + 100),
        200,
        new Random(seed)); // natives loaded, JIT warm-up
    long cpu0 = cpuNanos();
    long t0 = System.nanoTime();
    int[] picks = dpp.select(in, k, new Random(seed));
    double seconds = (System.nanoTime() - t0) / 1e9;
    double cpuSeconds = (cpuNanos() - cpu0) / 1e9;
    KDppSampler.Timings t = dpp.lastTimings();
    long rss = org.bytedeco.javacpp.Pointer.physicalBytes();
    double objective = Selectors.objective(in, picks, GAMMA);
    double random =
        Selectors.objective(in, new RandomSelector().select(in, k, new Random(seed)), GAMMA);
    return String.format(
        Locale.ROOT,
        "{\"scale\":\"%s\",\"selector\":\"dpp-sample\",\"samples\":%d,\"selected\":%d,\"feature_dim\":%d,"
            + "\"seconds\":%.3f,\"cpu_seconds\":%.3f,\"weights_s\":%.3f,\"gram_s\":%.3f,\"eigen_s\":%.3f,"
            + "\"choose_s\":%.3f,\"project_s\":%.3f,\"sample_s\":%.3f,\"refresh_s\":%.3f,\"fill_s\":%.3f,\"space\":\"%s\","
            + "\"rank\":%d,\"sampled\":%d,\"filled\":%d,\"proposals\":%d,\"refreshes\":%d,\"rss_mb\":%d,"
            + "\"objective\":%.3f,\"random_objective\":%.3f,\"blas_threads\":%d}",
        scale,
        m,
        picks.length,
        dim,
        seconds,
        cpuSeconds,
        t.weights(),
        t.gram(),
        t.eigen(),
        t.choose(),
        t.project(),
        t.sample(),
        t.refreshSeconds(),
        t.fill(),
        t.dual() ? "dual" : "primal",
        t.rank(),
        t.sampled(),
        t.filled(),
        t.proposals(),
        t.refreshes(),
        rss >> 20,
        objective,
        random,
        Integer.getInteger(KDppSampler.THREADS_PROPERTY, 1));
  }

  private static void print(String line, boolean json) {
    System.out.println(json ? line : line.replace(",", "  "));
    System.out.flush();
  }

  private static String global(String scale, int m, int dim, int clusters, long seed) {
    SelectionInput in = clustered(m, dim, clusters, seed);
    int k = Selectors.budget(RATIO, m);
    SubsetSelector dpp = new GreedyDppSelector(GAMMA);
    dpp.select(clustered(2_000, dim, clusters, seed + 100), 200, new Random(seed)); // JIT warm-up
    long cpu0 = cpuNanos();
    long t0 = System.nanoTime();
    int[] picks = dpp.select(in, k, new Random(seed));
    double seconds = (System.nanoTime() - t0) / 1e9;
    double cpuSeconds = (cpuNanos() - cpu0) / 1e9;
    double objective = Selectors.objective(in, picks, GAMMA);
    double random =
        Selectors.objective(in, new RandomSelector().select(in, k, new Random(seed)), GAMMA);
    return String.format(
        Locale.ROOT,
        "{\"scale\":\"%s\",\"selector\":\"dpp\",\"samples\":%d,\"selected\":%d,\"feature_dim\":%d,"
            + "\"seconds\":%.3f,\"cpu_seconds\":%.3f,\"objective\":%.3f,\"random_objective\":%.3f,"
            + "\"threads\":%d}",
        scale,
        m,
        picks.length,
        dim,
        seconds,
        cpuSeconds,
        objective,
        random,
        Runtime.getRuntime().availableProcessors());
  }

  /**
   * k = 5% here so that k < D and the diversity phase, not the quality fill, decides the
   * comparison.
   */
  private static String partitionedVsGlobal(
      String scale, int m, int dim, int clusters, int shards, double ratio, long seed) {
    SelectionInput in = clustered(m, dim, clusters, seed);
    int k = Selectors.budget(ratio, m);
    long t0 = System.nanoTime();
    int[] global = new GreedyDppSelector(GAMMA).select(in, k, new Random(seed));
    double globalSeconds = (System.nanoTime() - t0) / 1e9;
    t0 = System.nanoTime();
    int[] part =
        new PartitionedSelector(new GreedyDppSelector(GAMMA), shards, 1)
            .select(in, k, new Random(seed));
    double partSeconds = (System.nanoTime() - t0) / 1e9;
    double globalObjective = Selectors.objective(in, global, GAMMA);
    double partObjective = Selectors.objective(in, part, GAMMA);
    double randomObjective =
        Selectors.objective(in, new RandomSelector().select(in, k, new Random(seed)), GAMMA);
    return String.format(
        Locale.ROOT,
        "{\"scale\":\"%s\",\"selector\":\"dpp-partitioned\",\"samples\":%d,\"selected\":%d,\"feature_dim\":%d,"
            + "\"shards\":%d,\"seconds\":%.3f,\"global_seconds\":%.3f,\"objective\":%.3f,"
            + "\"global_objective\":%.3f,\"random_objective\":%.3f,\"objective_vs_global\":%.4f,"
            + "\"gain_over_random_vs_global\":%.4f}",
        scale,
        m,
        part.length,
        dim,
        shards,
        partSeconds,
        globalSeconds,
        partObjective,
        globalObjective,
        randomObjective,
        partObjective / globalObjective,
        (partObjective - randomObjective) / (globalObjective - randomObjective));
  }

  private static String partitioned(
      String scale, int m, int dim, int clusters, int shards, long seed) {
    SelectionInput in = clustered(m, dim, clusters, seed);
    int k = Selectors.budget(RATIO, m);
    SubsetSelector selector = Selectors.create("dpp", GAMMA, 50_000, shards);
    long cpu0 = cpuNanos();
    long t0 = System.nanoTime();
    int[] picks = selector.select(in, k, new Random(seed));
    double seconds = (System.nanoTime() - t0) / 1e9;
    double cpuSeconds = (cpuNanos() - cpu0) / 1e9;
    double objective = Selectors.objective(in, picks, GAMMA);
    double random =
        Selectors.objective(in, new RandomSelector().select(in, k, new Random(seed)), GAMMA);
    return String.format(
        Locale.ROOT,
        "{\"scale\":\"%s\",\"selector\":\"dpp-partitioned\",\"samples\":%d,\"selected\":%d,\"feature_dim\":%d,"
            + "\"shards\":%d,\"seconds\":%.3f,\"cpu_seconds\":%.3f,\"objective\":%.3f,"
            + "\"random_objective\":%.3f}",
        scale,
        m,
        picks.length,
        dim,
        shards,
        seconds,
        cpuSeconds,
        objective,
        random);
  }

  /**
   * CPU time of the whole process (the machine is shared, so wall time alone overstates the cost).
   */
  private static long cpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean)
            java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime();
  }

  /**
   * Seeded Gaussian clusters: sample i belongs to cluster i mod clusters; quality uniform in [0,
   * 1).
   */
  public static SelectionInput clustered(int m, int dim, int clusters, long seed) {
    Random rng = new Random(seed);
    float[] centres = new float[clusters * dim];
    for (int i = 0; i < centres.length; i++) {
      centres[i] = (float) rng.nextGaussian();
    }
    float[] features = new float[Math.multiplyExact(m, dim)];
    double[] quality = new double[m];
    for (int i = 0; i < m; i++) {
      int c = (i % clusters) * dim;
      for (int d = 0; d < dim; d++) {
        features[i * dim + d] = centres[c + d] + (float) rng.nextGaussian();
      }
      quality[i] = rng.nextDouble();
    }
    return new SelectionInput(features, m, dim, quality);
  }
}

package org.sakd.bench;

import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.sakd.config.Settings;
import org.sakd.data.ClipSource;
import org.sakd.data.ClipSources;
import org.sakd.data.ClipSpec;
import org.sakd.data.DatasetIndex;
import org.sakd.data.Datasets;
import org.sakd.data.SyntheticActions;
import org.sakd.data.SyntheticSpec;
import org.sakd.monitor.Json;
import org.sakd.pipeline.DistillRun;
import org.sakd.train.NativeHeap;
import org.sakd.train.Network;

/**
 * Process memory (RSS) across a long SAKD run on the demo set: one sample per epoch from
 * /proc/self/status (the run's metrics.csv column rss_mb), growth from the end of epoch 1 to the
 * end. Native memory that leaks per batch (an NDArray outside a closing scope) shows up here.
 * Usage: [--json] [--epochs N] (default 30; issue 13's bar: flat within 2% from epoch 3 to 30).
 */
public final class MemoryBenchmark {
  private MemoryBenchmark() {}

  public static void main(String[] args) throws Exception {
    boolean json = List.of(args).contains("--json");
    int epochs = 30;
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals("--epochs")) {
        epochs = Integer.parseInt(args[i + 1]);
      }
    }
    Path work = Files.createTempDirectory("sakd-bench-memory");
    Settings s =
        Settings.load(
            null,
            List.of(
                "run.dir=\"" + work.resolve("runs") + "\"",
                "run.name=memory",
                "data.root=\"" + work.resolve("data") + "\"",
                "distill.mode=sakd",
                "train.epochs=" + epochs));
    s.applyComputeThreads();
    Settings.Synthetic y = s.data().synthetic();
    SyntheticActions.generate(
        s.data().root(),
        new SyntheticSpec(
            y.classes(),
            y.groups(),
            y.clipsPerGroup(),
            y.frames(),
            y.width(),
            y.height(),
            y.fps(),
            1,
            y.container(),
            y.testGroups(),
            y.noise(),
            y.contrast()));
    DatasetIndex index = Datasets.open("synthetic", s.data().root(), s.data().options());
    Settings.Clip c = s.data().clip();
    ClipSource source =
        ClipSources.forIndex(
            index,
            new ClipSpec(c.frames(), c.stride(), c.shortSide(), c.crop(), c.mean(), c.std()));
    byte[] teacher;
    try (NDManager m = NDManager.newBaseManager();
        Network t = Network.create(s.model().teacher(), index.classes().size(), m, 1)) {
      teacher = t.parameterBytes();
    }
    DistillRun.run(
        new DistillRun.Inputs(
            s,
            index,
            source,
            s.model().teacher(),
            teacher,
            null,
            s.run().runDir(),
            false,
            Integer.MAX_VALUE));
    List<String> lines = Files.readAllLines(s.run().runDir().resolve("metrics.csv"));
    int col = List.of(lines.get(0).split(",")).indexOf("rss_mb");
    List<Double> rss = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      rss.add(Double.parseDouble(line.split(",")[col]));
    }
    // RSS moves by tens of MiB from epoch to epoch (allocator and GC); a leak shows as a trend, so
    // we also report
    // a least-squares slope and the change between the means of the first and last quarters after
    // epoch 1.
    int n = rss.size();
    int q = Math.max(1, (n - 1) / 4);
    double early =
        rss.subList(1, 1 + q).stream().mapToDouble(Double::doubleValue).average().orElse(0);
    double late =
        rss.subList(n - q, n).stream().mapToDouble(Double::doubleValue).average().orElse(0);
    double mx = (n - 1) / 2.0;
    double my = rss.stream().mapToDouble(Double::doubleValue).average().orElse(0);
    double sxy = 0;
    double sxx = 0;
    for (int i = 0; i < n; i++) {
      sxy += (i - mx) * (rss.get(i) - my);
      sxx += (i - mx) * (i - mx);
    }
    double slope = sxx == 0 ? 0 : sxy / sxx;
    double first = rss.get(0);
    double last = rss.get(rss.size() - 1);
    double peak = rss.stream().mapToDouble(Double::doubleValue).max().orElse(0);
    // issue 13's bar: RSS flat within 2% from the end of epoch 3 (after warm-up) to the last epoch
    double third = rss.get(Math.min(2, n - 1));
    double fromThird = 100 * (last - third) / third;
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("epochs", rss.size());
    r.put("rss_mb_after_epoch_1", first);
    r.put("rss_mb_last", last);
    r.put("rss_mb_peak", peak);
    r.put("growth_percent", 100 * (last - first) / first);
    r.put("growth_percent_from_epoch_3", fromThird);
    r.put("growth_percent_quarters", 100 * (late - early) / early);
    r.put("slope_mb_per_epoch", slope);
    r.put("rss_mb_per_epoch", rss);
    r.put("malloc_trim_per_epoch", NativeHeap.available());
    if (json) {
      System.out.println(Json.write(r));
    } else {
      System.out.printf(
          Locale.ROOT,
          "RSS after epoch 1: %.0f MiB, after epoch 3: %.0f MiB, after epoch %d: %.0f MiB (peak %.0f):"
              + " growth %.2f%% from epoch 1, %.2f%% from epoch 3; first vs last quarter %.2f%%,"
              + " trend %.2f MiB/epoch (MALLOC_MMAP_THRESHOLD_=%s, malloc_trim per epoch: %s)%n",
          first,
          third,
          n,
          last,
          peak,
          100 * (last - first) / first,
          fromThird,
          100 * (late - early) / early,
          slope,
          System.getenv().getOrDefault("MALLOC_MMAP_THRESHOLD_", "unset"),
          NativeHeap.available() ? "yes" : "no (no glibc)");
    }
  }
}

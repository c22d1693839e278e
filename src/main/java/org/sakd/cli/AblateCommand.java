package org.sakd.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sakd.checkpoint.RunFolder;
import org.sakd.config.Settings;
import org.sakd.config.SettingsException;
import org.sakd.data.ClipSource;
import org.sakd.data.ClipSources;
import org.sakd.data.DatasetIndex;
import org.sakd.monitor.Json;
import org.sakd.monitor.RunLog;
import org.sakd.train.EpochRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Runs every cell of a settings grid for several seeds with the same teacher (and the same
 * pre-trained student, if model.student-init is set), plus a vanilla-KD reference per seed, and
 * writes ablation.md / ablation.json: per cell the mean ± std over seeds of best and last Top-1,
 * last Top-5, s/epoch, the time ratio to vanilla KD, and the mean α of the selected samples per
 * selection epoch. A cell-seed that finished is not run again; one that was killed resumes from its
 * last checkpoint, so the whole ablation can be killed and restarted.
 */
@Command(
    name = "ablate",
    mixinStandardHelpOptions = true,
    description =
        "Run a grid of settings x seeds (e.g. --grid sakd.direction=difficulty-high,easy-high --grid "
            + "sakd.selector=dpp,random --seeds 3) and write runs/<run.name>/ablation.md and ablation.json; needs "
            + "model.teacher-checkpoint. Finished cells are skipped, so a killed ablation resumes.")
final class AblateCommand implements Callable<Integer> {
  @Mixin SettingsOptions options;

  @Option(
      names = "--grid",
      paramLabel = "KEY=V1,V2,...",
      required = true,
      description = "one axis of the grid (repeatable); the cells are all combinations")
  List<String> grid = new ArrayList<>();

  @Option(
      names = "--cell",
      paramLabel = "KEY=V[;KEY=V...]",
      description =
          "one more cell outside the grid (repeatable), e.g. --cell distill.mode=random for the plain-KD "
              + "random subset")
  List<String> extra = new ArrayList<>();

  @Option(names = "--seeds", description = "seeds per cell: run.seed, run.seed+1, ... (default 3)")
  int seeds = 3;

  /** One cell's settings and its name. */
  record Cell(String name, Map<String, Object> values) {}

  @Override
  public Integer call() {
    Settings base = options.load("run.name=ablation");
    try (RunFolder f =
        RunFolder.acquire(
            base.run().runDir(), RunFolder.Mode.REUSE, "run.name", base.run().name())) {
      return ablate(base);
    }
  }

  private Integer ablate(Settings base) {
    if (seeds < 1) {
      throw new SettingsException("--seeds", seeds, "an integer >= 1");
    }
    Jobs.teacherCheckpoint(base);
    List<Cell> cells = cells(grid);
    for (String e : extra) {
      Map<String, Object> m = new LinkedHashMap<>();
      StringBuilder name = new StringBuilder();
      for (String kv : e.split(";")) {
        int eq = kv.indexOf('=');
        if (eq <= 0 || eq == kv.length() - 1) {
          throw new SettingsException("--cell", e, "KEY=V[;KEY=V...] (e.g. distill.mode=random)");
        }
        String key = kv.substring(0, eq).trim();
        String value = kv.substring(eq + 1).trim();
        m.put(key, value);
        name.append(name.length() == 0 ? "" : "_")
            .append(key.substring(key.lastIndexOf('.') + 1))
            .append('-')
            .append(value);
      }
      cells.add(new Cell(name.toString().replaceAll("[^A-Za-z0-9._-]", "_"), m));
    }
    Path root = base.run().runDir();
    Path cellDir = root.resolve("cells");
    // every cell's settings are validated before anything runs: a bad key or value is exit 2 at
    // once
    for (Cell c : cells) {
      base.with(c.values());
    }
    DatasetIndex index = DataSetup.open(base);
    ClipSource source = ClipSources.forIndex(index, DataSetup.clipSpec(base));
    List<Cell> all = new ArrayList<>();
    all.add(new Cell("vanilla", Map.of("distill.mode", "vanilla")));
    all.addAll(cells);
    Map<String, List<Map<String, Object>>> results = new LinkedHashMap<>();
    int total = all.size() * seeds;
    int done = 0;
    for (Cell c : all) {
      List<Map<String, Object>> perSeed = new ArrayList<>();
      for (int k = 0; k < seeds; k++) {
        long seed = base.run().seed() + k;
        String name = c.name() + "-s" + seed;
        Map<String, Object> o = new LinkedHashMap<>(c.values());
        o.put("run.dir", cellDir.toString());
        o.put("run.name", name);
        o.put("run.seed", seed);
        Settings s = base.with(o);
        Path result = s.run().runDir().resolve("result.json");
        done++;
        if (Files.isRegularFile(result)) {
          System.out.printf(
              Locale.ROOT, "[%d/%d] %s: finished before, reusing %s%n", done, total, name, result);
          perSeed.add(read(result));
          continue;
        }
        boolean resume =
            Files.isRegularFile(
                s.run()
                    .runDir()
                    .resolve("checkpoints")
                    .resolve(org.sakd.checkpoint.CheckpointStore.LAST));
        System.out.printf(
            Locale.ROOT, "[%d/%d] %s%s%n", done, total, name, resume ? " (resuming)" : "");
        Map<String, Object> row;
        // a killed cell resumes from its checkpoint; one killed before its first checkpoint starts
        // over
        try (RunFolder f =
            RunFolder.acquire(
                s.run().runDir(),
                resume ? RunFolder.Mode.RESUME : RunFolder.Mode.OVERWRITE,
                "run.name",
                name)) {
          var r = Jobs.distill(s, index, source, name, resume);
          row = summarise(r.getValue());
          write(result, Json.write(row) + "\n");
        }
        perSeed.add(row);
      }
      results.put(c.name(), perSeed);
    }
    double vanillaSec = mean(results.get("vanilla"), "seconds_per_epoch");
    List<Map<String, Object>> table = new ArrayList<>();
    for (Cell c : all) {
      List<Map<String, Object>> rs = results.get(c.name());
      Map<String, Object> t = new LinkedHashMap<>();
      t.put("cell", c.name());
      t.put("settings", c.values());
      t.put("seeds", rs.size());
      for (String key : List.of("best_top1", "last_top1", "last_top5", "seconds_per_epoch")) {
        t.put(key + "_mean", mean(rs, key));
        t.put(key + "_std", std(rs, key));
      }
      t.put(
          "time_ratio_to_vanilla",
          vanillaSec > 0 ? mean(rs, "seconds_per_epoch") / vanillaSec : Double.NaN);
      t.put("mean_alpha_curve", alphaCurve(rs));
      t.put("per_seed", rs);
      table.add(t);
    }
    RunLog log = new RunLog(root);
    log.write("ablation.json", Json.write(table) + "\n");
    String md = markdown(base, table);
    log.write("ablation.md", md);
    System.out.println();
    System.out.print(md);
    return 0;
  }

  static List<Cell> cells(List<String> grid) {
    List<Cell> cells = new ArrayList<>(List.of(new Cell("", new LinkedHashMap<>())));
    for (String axis : grid) {
      int eq = axis.indexOf('=');
      if (eq <= 0 || eq == axis.length() - 1) {
        throw new SettingsException(
            "--grid", axis, "KEY=V1,V2,... (e.g. sakd.selector=dpp,random)");
      }
      String key = axis.substring(0, eq).trim();
      List<Cell> next = new ArrayList<>();
      for (Cell c : cells) {
        for (String v : axis.substring(eq + 1).split(",")) {
          String value = v.trim();
          if (value.isEmpty()) {
            throw new SettingsException("--grid", axis, "no empty values");
          }
          Map<String, Object> m = new LinkedHashMap<>(c.values());
          m.put(key, value);
          String tag = key.substring(key.lastIndexOf('.') + 1) + "-" + value;
          next.add(new Cell(c.name().isEmpty() ? tag : c.name() + "_" + tag, m));
        }
      }
      cells = next;
    }
    List<Cell> out = new ArrayList<>();
    for (Cell c : cells) {
      // cell names become run names: letters, digits, '.', '_' and '-' (e.g.
      // direction-easy-high_selector-random)
      out.add(new Cell(c.name().replaceAll("[^A-Za-z0-9._-]", "_"), c.values()));
    }
    return out;
  }

  /** Best and last Top-1, last Top-5, s/epoch and the mean-α curve of one finished run. */
  static Map<String, Object> summarise(List<EpochRecord> epochs) {
    Map<String, Object> m = new LinkedHashMap<>();
    EpochRecord last = epochs.get(epochs.size() - 1);
    m.put("best_top1", epochs.stream().mapToDouble(EpochRecord::top1).max().orElse(Double.NaN));
    m.put("last_top1", last.top1());
    m.put("last_top5", last.top5());
    m.put(
        "seconds_per_epoch",
        epochs.stream().mapToDouble(EpochRecord::epochSeconds).average().orElse(Double.NaN));
    List<List<Double>> alpha = new ArrayList<>();
    for (EpochRecord e : epochs) {
      if (e.selectionEpoch() && Double.isFinite(e.meanAlpha())) {
        alpha.add(List.of((double) e.epoch() + 1, e.meanAlpha()));
      }
    }
    m.put("mean_alpha", alpha);
    return m;
  }

  @SuppressWarnings("unchecked")
  private static List<List<Double>> alphaCurve(List<Map<String, Object>> rs) {
    Map<Double, double[]> byEpoch = new java.util.TreeMap<>();
    for (Map<String, Object> r : rs) {
      for (Object o : (List<Object>) r.getOrDefault("mean_alpha", List.of())) {
        List<Object> p = (List<Object>) o;
        double[] acc =
            byEpoch.computeIfAbsent(((Number) p.get(0)).doubleValue(), x -> new double[2]);
        acc[0] += ((Number) p.get(1)).doubleValue();
        acc[1]++;
      }
    }
    List<List<Double>> out = new ArrayList<>();
    byEpoch.forEach((e, acc) -> out.add(List.of(e, acc[0] / acc[1])));
    return out;
  }

  private static double mean(List<Map<String, Object>> rs, String key) {
    return rs.stream()
        .mapToDouble(r -> ((Number) r.get(key)).doubleValue())
        .average()
        .orElse(Double.NaN);
  }

  private static double std(List<Map<String, Object>> rs, String key) {
    if (rs.size() < 2) {
      return 0.0;
    }
    double m = mean(rs, key);
    double ss =
        rs.stream().mapToDouble(r -> Math.pow(((Number) r.get(key)).doubleValue() - m, 2)).sum();
    return Math.sqrt(ss / (rs.size() - 1));
  }

  @SuppressWarnings("unchecked")
  private static String markdown(Settings base, List<Map<String, Object>> table) {
    StringBuilder sb = new StringBuilder("# Ablation: " + base.run().name() + "\n\n");
    sb.append(
        String.format(
            Locale.ROOT,
            "%s, %d epochs, ratio %.2f, seeds %s; mean ± std over seeds.%n%n",
            base.distill().method(),
            base.train().epochs(),
            base.sakd().ratio(),
            table.get(0).get("seeds")));
    sb.append(
        "| cell | best Top-1 | last Top-1 | last Top-5 | s/epoch | × vanilla | mean α (first → last selection) |\n");
    sb.append("|---|---|---|---|---|---|---|\n");
    for (Map<String, Object> t : table) {
      List<List<Double>> a = (List<List<Double>>) t.get("mean_alpha_curve");
      String alpha =
          a.isEmpty()
              ? "-"
              : String.format(
                  Locale.ROOT, "%.3f → %.3f", a.get(0).get(1), a.get(a.size() - 1).get(1));
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %.2f ± %.2f | %.2f ± %.2f | %.2f ± %.2f | %.2f | %.2f | %s |%n",
              t.get("cell"),
              t.get("best_top1_mean"),
              t.get("best_top1_std"),
              t.get("last_top1_mean"),
              t.get("last_top1_std"),
              t.get("last_top5_mean"),
              t.get("last_top5_std"),
              t.get("seconds_per_epoch_mean"),
              t.get("time_ratio_to_vanilla"),
              alpha));
    }
    return sb.toString();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> read(Path f) {
    try {
      return new com.google.gson.Gson().fromJson(Files.readString(f), Map.class);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void write(Path f, String s) {
    try {
      Files.createDirectories(f.getParent());
      Path tmp = f.resolveSibling(f.getFileName() + ".tmp");
      Files.writeString(tmp, s);
      Files.move(
          tmp,
          f,
          java.nio.file.StandardCopyOption.REPLACE_EXISTING,
          java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

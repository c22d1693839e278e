package org.sakd.cli;

import com.google.gson.Gson;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import org.sakd.config.SettingsException;
import org.sakd.monitor.Plots;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * One table for several finished (or running) run folders: best and last Top-1, last Top-5, epochs,
 * s/epoch, clips trained per epoch, and every setting whose value differs between them; their Top-1
 * curves overlaid in one PNG. Reads only what each run wrote: events.jsonl and config.conf.
 */
@Command(
    name = "compare",
    mixinStandardHelpOptions = true,
    description =
        "Compare run folders (e.g. runs/a runs/b): one table with the settings that differ, and the Top-1 "
            + "curves in one plot.")
final class CompareCommand implements Callable<Integer> {
  @Parameters(arity = "1..*", paramLabel = "RUN_DIR", description = "run folders (runs/<name>)")
  List<Path> runs = new ArrayList<>();

  @Option(
      names = "--plot",
      description = "where the overlaid Top-1 curves go (default: compare-top1.png)")
  Path plot = Path.of("compare-top1.png");

  record Run(String name, List<Map<String, Object>> epochs, Map<String, String> settings) {}

  @Override
  public Integer call() {
    List<Run> all = new ArrayList<>();
    for (Path dir : runs) {
      all.add(read(dir));
    }
    TreeSet<String> keys = new TreeSet<>();
    all.forEach(r -> keys.addAll(r.settings().keySet()));
    List<String> differ = new ArrayList<>();
    for (String k : keys) {
      if (k.startsWith("run.name") || k.startsWith("run.dir")) {
        continue;
      }
      String first = all.get(0).settings().get(k);
      for (Run r : all) {
        if (!java.util.Objects.equals(first, r.settings().get(k))) {
          differ.add(k);
          break;
        }
      }
    }
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "%-28s %7s %7s %7s %6s %8s %9s%n",
            "run",
            "best@1",
            "last@1",
            "Top-5",
            "epochs",
            "s/epoch",
            "clips/ep"));
    List<Plots.Series> curves = new ArrayList<>();
    for (Run r : all) {
      double best = r.epochs().stream().mapToDouble(e -> num(e, "top1")).max().orElse(Double.NaN);
      Map<String, Object> last =
          r.epochs().isEmpty() ? Map.of() : r.epochs().get(r.epochs().size() - 1);
      sb.append(
          String.format(
              Locale.ROOT,
              "%-28s %7.2f %7.2f %7.2f %6d %8.2f %9.0f%n",
              r.name(),
              best,
              num(last, "top1"),
              num(last, "top5"),
              r.epochs().size(),
              r.epochs().stream().mapToDouble(e -> num(e, "seconds")).average().orElse(Double.NaN),
              r.epochs().stream()
                  .mapToDouble(e -> num(e, "trained_samples"))
                  .average()
                  .orElse(Double.NaN)));
      curves.add(
          new Plots.Series(
              r.name(),
              r.epochs().stream().mapToDouble(e -> num(e, "epoch")).toArray(),
              r.epochs().stream().mapToDouble(e -> num(e, "top1")).toArray()));
    }
    if (differ.isEmpty()) {
      sb.append("settings: identical\n");
    } else {
      sb.append("settings that differ:\n");
      for (String k : differ) {
        sb.append("  ").append(k).append(':');
        for (Run r : all) {
          sb.append("  ")
              .append(r.name())
              .append('=')
              .append(r.settings().getOrDefault(k, "(unset)"));
        }
        sb.append('\n');
      }
    }
    Plots.lines(plot, "Top-1 on the test split", "epoch", "Top-1 (%)", curves);
    System.out.print(sb);
    System.out.println("curves: " + plot.toAbsolutePath());
    return 0;
  }

  private static double num(Map<String, Object> m, String key) {
    Object v = m.get(key);
    return v instanceof Number n ? n.doubleValue() : Double.NaN;
  }

  @SuppressWarnings("unchecked")
  static Run read(Path dir) {
    Path events = dir.resolve("events.jsonl");
    Path config = dir.resolve("config.conf");
    if (!Files.isRegularFile(events) || !Files.isRegularFile(config)) {
      throw new SettingsException("RUN_DIR", dir, "a run folder with events.jsonl and config.conf");
    }
    List<Map<String, Object>> epochs = new ArrayList<>();
    Map<Integer, Map<String, Object>> byEpoch = new java.util.TreeMap<>();
    Gson gson = new Gson();
    try {
      for (String line : Files.readAllLines(events)) {
        if (line.isBlank()) {
          continue;
        }
        Map<String, Object> e = gson.fromJson(line, Map.class);
        if ("epoch".equals(e.get("type"))) {
          byEpoch.put(
              (int) num(e, "epoch"), e); // a resumed run logs an epoch again: the last one counts
        }
      }
      epochs.addAll(byEpoch.values());
      Config c = ConfigFactory.parseFile(config.toFile()).resolve();
      Map<String, String> settings = new LinkedHashMap<>();
      for (var e : c.entrySet()) {
        settings.put(e.getKey(), String.valueOf(e.getValue().unwrapped()));
      }
      return new Run(dir.getFileName().toString(), epochs, settings);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + dir, e);
    } catch (com.google.gson.JsonParseException | com.typesafe.config.ConfigException e) {
      throw new SettingsException(
          "RUN_DIR", dir, "readable events.jsonl and config.conf (" + e.getMessage() + ")");
    }
  }
}

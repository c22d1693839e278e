package org.sakd.monitor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The run folder's append-only logs: events.jsonl (one JSON object per event) and metrics.csv (one
 * row per epoch).
 */
public final class RunLog {
  public static final List<String> METRIC_COLUMNS =
      List.of(
          "mode",
          "epoch",
          "train_loss",
          "top1",
          "top5",
          "seconds",
          "score_seconds",
          "trained_samples",
          "mean_alpha",
          "lr",
          "rss_mb");

  /** Resident set size of this process in MiB (Linux /proc), or -1 where unavailable. */
  public static double rssMiB() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  private final Path dir;

  public RunLog(Path dir) {
    this.dir = dir;
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Path dir() {
    return dir;
  }

  public synchronized void event(String type, Map<String, ?> fields) {
    Map<String, Object> e = new LinkedHashMap<>();
    e.put("time", Instant.now().toString());
    e.put("type", type);
    e.putAll(fields);
    append("events.jsonl", Json.write(e) + "\n");
  }

  /** Appends one metrics row (keys from METRIC_COLUMNS; missing ones empty). */
  public synchronized void metrics(Map<String, ?> row) {
    Path f = dir.resolve("metrics.csv");
    StringBuilder sb = new StringBuilder();
    if (!Files.exists(f)) {
      sb.append(Csv.row(METRIC_COLUMNS));
    }
    List<Object> cells = new java.util.ArrayList<>();
    for (String col : METRIC_COLUMNS) {
      cells.add(row.get(col));
    }
    sb.append(Csv.row(cells));
    append("metrics.csv", sb.toString());
  }

  public synchronized void write(String name, String content) {
    try {
      Path f = dir.resolve(name);
      Files.createDirectories(f.getParent());
      Files.writeString(f, content, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * skipped.tsv: every clip that could not be decoded, with its reason (nothing is dropped
   * silently).
   */
  public void writeSkipped(Map<String, String> skipped) {
    if (skipped.isEmpty()) {
      return;
    }
    StringBuilder sb = new StringBuilder("id\treason\n");
    skipped.forEach(
        (k, v) ->
            sb.append(k).append('\t').append(v.replace('\t', ' ').replace('\n', ' ')).append('\n'));
    write("skipped.tsv", sb.toString());
  }

  private void append(String name, String text) {
    try {
      Files.writeString(
          dir.resolve(name),
          text,
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

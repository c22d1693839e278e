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
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

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

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RunLog.class);

  private final Path dir;
  private final List<Consumer<Map<String, Object>>> listeners = new CopyOnWriteArrayList<>();

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
    Map<String, Object> written = java.util.Collections.unmodifiableMap(e);
    for (Consumer<Map<String, Object>> l : listeners) {
      try {
        l.accept(written);
      } catch (RuntimeException ex) { // an observer's bug must not end the run it observes
        LOG.warn("run log listener failed on a {} event: {}", type, ex.toString());
      }
    }
  }

  /**
   * Calls {@code listener} with each event after it is appended to events.jsonl: the same object
   * ({@code time}, {@code type}, then the event's fields; an epoch's metrics row is its {@code
   * epoch} event). It runs on the thread that logs, under this log's lock, so it must return at
   * once (hand the event off, never block).
   */
  public void addListener(Consumer<Map<String, Object>> listener) {
    listeners.add(listener);
  }

  public void removeListener(Consumer<Map<String, Object>> listener) {
    listeners.remove(listener);
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

package org.sakd.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * The outcome of {@link DatasetScanner#scan}: one {@link Entry} per listed file. A file is {@code
 * ok} when the trainer can use it, which includes TOO_SHORT files (they are loop-padded) — those
 * are listed as warnings; {@code bad} files (missing, empty, unreadable, zero frames, truncated)
 * cannot be used.
 */
public final class ScanReport {
  /** Status of one file: "OK", or a {@link VideoDecodeException.Reason} name. */
  public record Entry(
      String split,
      String id,
      Path path,
      String status,
      int frames,
      double fps,
      int width,
      int height,
      String detail) {
    public boolean usable() {
      return status.equals("OK") || status.equals(VideoDecodeException.Reason.TOO_SHORT.name());
    }
  }

  /** A file that cannot be used, or a warning about one that can. */
  public record Finding(Path path, String reason) {}

  private final String format;
  private final int clipSpan;
  private final List<Entry> entries;
  private final List<String> indexProblems;

  ScanReport(String format, int clipSpan, List<Entry> entries, List<String> indexProblems) {
    this.format = format;
    this.clipSpan = clipSpan;
    this.entries = List.copyOf(entries);
    this.indexProblems = List.copyOf(indexProblems);
  }

  public List<Entry> entries() {
    return entries;
  }

  public int files() {
    return entries.size();
  }

  /** Usable files, including TOO_SHORT ones. */
  public int ok() {
    return (int) entries.stream().filter(Entry::usable).count();
  }

  public List<Finding> bad() {
    return entries.stream()
        .filter(e -> !e.usable())
        .map(e -> new Finding(e.path(), e.status()))
        .toList();
  }

  /** Usable files with a caveat: shorter than a clip's span, so their clips repeat frames. */
  public List<Finding> warnings() {
    return entries.stream()
        .filter(e -> e.usable() && !e.status().equals("OK"))
        .map(e -> new Finding(e.path(), e.status()))
        .toList();
  }

  public List<String> indexProblems() {
    return indexProblems;
  }

  /** Counts of each frame size among usable files, keyed "WxH". */
  public Map<String, Integer> resolutions() {
    Map<String, Integer> m = new TreeMap<>();
    for (Entry e : entries) if (e.usable()) m.merge(e.width() + "x" + e.height(), 1, Integer::sum);
    return m;
  }

  public String toJson() {
    Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("format", format);
    m.put("files", files());
    m.put("ok", ok());
    m.put("bad", findings(bad()));
    m.put("warnings", findings(warnings()));
    m.put("clip_span_frames", clipSpan);
    m.put(
        "frames",
        stats(entries.stream().filter(Entry::usable).mapToDouble(Entry::frames).toArray()));
    m.put(
        "fps",
        stats(
            entries.stream()
                .filter(e -> e.usable() && e.fps() > 0)
                .mapToDouble(Entry::fps)
                .toArray()));
    m.put("resolutions", resolutions());
    m.put("index_problems", indexProblems);
    return org.sakd.monitor.Json.write(m);
  }

  /** A human summary; too-short files are called warnings and said to be usable. */
  public String toText() {
    StringBuilder sb = new StringBuilder();
    sb.append("Dataset scan (").append(format).append(")\n");
    sb.append(
        String.format(
            Locale.ROOT,
            "files %d, usable %d, bad %d, warnings %d%n",
            files(),
            ok(),
            bad().size(),
            warnings().size()));
    double[] fr = entries.stream().filter(Entry::usable).mapToDouble(Entry::frames).toArray();
    double[] fps =
        entries.stream().filter(e -> e.usable() && e.fps() > 0).mapToDouble(Entry::fps).toArray();
    if (fr.length > 0) sb.append("frames per file: ").append(statsText(fr)).append('\n');
    if (fps.length > 0) sb.append("fps: ").append(statsText(fps)).append('\n');
    sb.append("resolutions: ").append(resolutions()).append('\n');
    if (!bad().isEmpty()) {
      sb.append("\nBAD (cannot be used):\n");
      for (Entry e : entries)
        if (!e.usable())
          sb.append("  ")
              .append(e.status())
              .append("  ")
              .append(e.path())
              .append(detail(e))
              .append('\n');
    }
    if (!warnings().isEmpty()) {
      sb.append("\nWARNING (usable; shorter than the ")
          .append(clipSpan)
          .append("-frame clip span, loop-padded):\n");
      for (Entry e : entries) {
        if (e.usable() && !e.status().equals("OK"))
          sb.append("  ").append(e.frames()).append(" frames  ").append(e.path()).append('\n');
      }
    }
    if (!indexProblems.isEmpty()) {
      sb.append("\nIndex problems:\n");
      for (String p : indexProblems) sb.append("  ").append(p).append('\n');
    }
    return sb.toString();
  }

  /**
   * Writes {@code scan-report.txt}, {@code scan-report.json} and {@code index.tsv} (path, frames,
   * fps, width, height, status per file: a cached index the trainer can read instead of probing
   * every file again).
   */
  public void writeReport(Path dir) {
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("scan-report.txt"), toText(), StandardCharsets.UTF_8);
      Files.writeString(dir.resolve("scan-report.json"), toJson() + "\n", StandardCharsets.UTF_8);
      StringBuilder tsv = new StringBuilder("path\tframes\tfps\twidth\theight\tstatus\n");
      for (Entry e : entries) {
        tsv.append(e.path())
            .append('\t')
            .append(e.frames())
            .append('\t')
            .append(String.format(Locale.ROOT, "%.3f", e.fps()))
            .append('\t')
            .append(e.width())
            .append('\t')
            .append(e.height())
            .append('\t')
            .append(e.status())
            .append('\n');
      }
      Files.writeString(dir.resolve("index.tsv"), tsv, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write scan report to " + dir, e);
    }
  }

  private static String detail(Entry e) {
    return e.detail() == null || e.detail().isEmpty() ? "" : "  (" + e.detail() + ")";
  }

  private static List<Map<String, String>> findings(List<Finding> list) {
    return list.stream()
        .map(f -> Map.of("path", String.valueOf(f.path()), "reason", f.reason()))
        .map(f -> (Map<String, String>) new java.util.TreeMap<>(f))
        .toList();
  }

  /** {min, mean, max} of {@code v}, each a whole number or rounded to 3 decimals; null if empty. */
  private static Map<String, Number> stats(double[] v) {
    if (v.length == 0) return null;
    double min = Double.MAX_VALUE, max = -Double.MAX_VALUE, sum = 0;
    for (double x : v) {
      min = Math.min(min, x);
      max = Math.max(max, x);
      sum += x;
    }
    Map<String, Number> m = new java.util.LinkedHashMap<>();
    m.put("min", number(min));
    m.put("mean", number(sum / v.length));
    m.put("max", number(max));
    return m;
  }

  private static Number number(double x) {
    return x == Math.rint(x) && Math.abs(x) < 1e15
        ? (Number) (long) x
        : Math.round(x * 1000) / 1000.0;
  }

  private static String statsText(double[] v) {
    double min = Double.MAX_VALUE, max = -Double.MAX_VALUE, sum = 0;
    for (double x : v) {
      min = Math.min(min, x);
      max = Math.max(max, x);
      sum += x;
    }
    return "min " + num(min) + ", mean " + num(sum / v.length) + ", max " + num(max);
  }

  private static String num(double x) {
    if (x == Math.rint(x) && Math.abs(x) < 1e15) return Long.toString((long) x);
    String s = String.format(Locale.ROOT, "%.3f", x);
    return s.replaceAll("0+$", "").replaceAll("\\.$", "");
  }
}

package org.sakd.monitor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The results table in the paper's form: best and last Top-1, last Top-5, seconds per epoch, total
 * time, fraction of data.
 */
public final class Summary {
  private Summary() {}

  public static String json(List<SummaryRow> rows) {
    List<Object> out = new ArrayList<>();
    for (SummaryRow r : rows) {
      out.add(r.toMap());
    }
    return Json.write(out) + "\n";
  }

  public static String markdown(String title, List<SummaryRow> rows) {
    StringBuilder sb = new StringBuilder("# ").append(title).append("\n\n");
    sb.append(
        "| row | mode | method | interval | data | best Top-1 | last Top-1 | Top-5 | s/epoch | total s |\n");
    sb.append("|---|---|---|---|---|---|---|---|---|---|\n");
    for (SummaryRow r : rows) {
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %s | %.0f%% | %.2f | %.2f | %.2f | %.2f | %.1f |%n",
              r.label(),
              r.mode(),
              r.method(),
              r.interval() > 0 ? Integer.toString(r.interval()) : "-",
              100 * r.dataFraction(),
              r.bestTop1(),
              r.top1(),
              r.top5(),
              r.secondsPerEpoch(),
              r.totalSeconds()));
    }
    return sb.toString();
  }

  /** A fixed-width table for the terminal. */
  public static String table(List<SummaryRow> rows) {
    StringBuilder sb = new StringBuilder();
    // the row column is as wide as its longest label (at least 28), so every column lines up
    int w = Math.max(28, rows.stream().mapToInt(r -> r.label().length()).max().orElse(0));
    String fmt = "%-" + w + "s %-8s %-7s %5s %6s %7s %7s %7s %9s %9s%n";
    sb.append(
        String.format(
            Locale.ROOT,
            fmt,
            "row",
            "mode",
            "method",
            "I",
            "data",
            "best@1",
            "last@1",
            "Top-5",
            "s/epoch",
            "total s"));
    for (SummaryRow r : rows) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%-" + w + "s %-8s %-7s %5s %5.0f%% %7.2f %7.2f %7.2f %9.2f %9.1f%n",
              r.label(),
              r.mode(),
              r.method(),
              r.interval() > 0 ? Integer.toString(r.interval()) : "-",
              100 * r.dataFraction(),
              r.bestTop1(),
              r.top1(),
              r.top5(),
              r.secondsPerEpoch(),
              r.totalSeconds()));
    }
    return sb.toString();
  }
}

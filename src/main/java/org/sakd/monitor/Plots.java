package org.sakd.monitor;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * PNG plots of a run (XChart): curves per mode, mean α per selection epoch, selected samples per
 * class.
 */
public final class Plots {
  private Plots() {}

  /** A named curve. */
  public record Series(String name, double[] x, double[] y) {}

  static {
    System.setProperty("java.awt.headless", "true");
  }

  /** A horizontal reference line (e.g. the teacher's Top-1) drawn across the curves' x range. */
  public record Reference(String name, double value) {}

  public static void lines(
      Path file, String title, String xLabel, String yLabel, List<Series> series) {
    lines(file, title, xLabel, yLabel, series, List.of());
  }

  /** Curves with markers, and dashed reference lines without, each named in the legend. */
  public static void lines(
      Path file,
      String title,
      String xLabel,
      String yLabel,
      List<Series> series,
      List<Reference> references) {
    XYChart chart =
        new XYChartBuilder()
            .width(720)
            .height(440)
            .title(title)
            .xAxisTitle(xLabel)
            .yAxisTitle(yLabel)
            .build();
    for (Series s : series) {
      if (s.x().length == 0) {
        continue;
      }
      var xs = chart.addSeries(s.name(), s.x(), s.y());
      xs.setMarker(SeriesMarkers.CIRCLE);
    }
    double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
    for (Series s : series) {
      for (double x : s.x()) {
        lo = Math.min(lo, x);
        hi = Math.max(hi, x);
      }
    }
    if (lo <= hi) {
      for (Reference r : references) {
        if (!Double.isFinite(r.value())) {
          continue;
        }
        var rs =
            chart.addSeries(r.name(), new double[] {lo, hi}, new double[] {r.value(), r.value()});
        rs.setMarker(SeriesMarkers.NONE);
        rs.setLineStyle(org.knowm.xchart.style.lines.SeriesLines.DASH_DASH);
      }
    }
    save(chart, file);
  }

  /** Grouped bars: one group per category (class), one bar series per key (epoch). */
  public static void bars(
      Path file,
      String title,
      String xLabel,
      String yLabel,
      List<String> categories,
      Map<String, double[]> seriesByName) {
    // 101 classes (UCF101) need room: ~14 px per class, names turned upright when there are many
    CategoryChart chart =
        new CategoryChartBuilder()
            .width(Math.max(720, 160 + categories.size() * Math.max(14, 5 * seriesByName.size())))
            .height(categories.size() > 12 ? 640 : 440)
            .title(title)
            .xAxisTitle(xLabel)
            .yAxisTitle(yLabel)
            .build();
    if (categories.size() > 12) {
      chart.getStyler().setXAxisLabelRotation(90);
    }
    chart.getStyler().setOverlapped(false);
    for (var e : seriesByName.entrySet()) {
      List<Double> ys = new java.util.ArrayList<>();
      for (double v : e.getValue()) {
        ys.add(v);
      }
      chart.addSeries(e.getKey(), categories, ys);
    }
    save(chart, file);
  }

  /**
   * A confusion matrix as a heat map: rows = true class (top to bottom in class order), columns =
   * predicted class, cells = the fraction of the row's clips (0..1). About 12 px per class, so 101
   * classes stay readable; values are printed in the cells only when there are few classes.
   */
  public static void confusion(Path file, String title, List<String> classes, List<double[]> rows) {
    int k = classes.size();
    // ~16 px per class with 9-point names, so no class name is skipped, even with 101 classes
    int side = Math.max(520, 240 + 16 * k);
    HeatMapChart chart =
        new HeatMapChartBuilder()
            .width(side + 160)
            .height(side)
            .title(title)
            .xAxisTitle("predicted")
            .yAxisTitle("true")
            .build();
    java.awt.Font small = new java.awt.Font(java.awt.Font.SANS_SERIF, java.awt.Font.PLAIN, 9);
    chart
        .getStyler()
        .setMin(0)
        .setMax(1)
        .setShowValue(k <= 12)
        .setValueFont(small)
        .setHeatMapValueDecimalPattern("0.00");
    chart.getStyler().setAxisTickLabelsFont(small);
    // a tick (and its class name) for every class: XChart otherwise skips names it finds crowded
    chart.getStyler().setXAxisTickMarkSpacingHint(12).setYAxisTickMarkSpacingHint(12);
    chart.getStyler().setXAxisLabelRotation(90);
    List<Number[]> cells = new java.util.ArrayList<>();
    for (int t = 0; t < k; t++) {
      for (int p = 0; p < k; p++) {
        // y runs bottom-up in the chart: the first class goes on top
        cells.add(new Number[] {p, k - 1 - t, rows.get(t)[p]});
      }
    }
    List<String> reversed = new java.util.ArrayList<>(classes);
    java.util.Collections.reverse(reversed);
    chart.addSeries("fraction of the true class", classes, reversed, cells);
    save(chart, file);
  }

  private static void save(org.knowm.xchart.internal.chartpart.Chart<?, ?> chart, Path file) {
    try {
      Files.createDirectories(file.getParent());
      BitmapEncoder.saveBitmap(chart, file.toString(), BitmapEncoder.BitmapFormat.PNG);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write plot " + file, e);
    }
  }
}

package org.sakd.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The small summaries the benchmarks print: medians and lists of ratios. */
final class Stats {
  private Stats() {}

  /** The median (the mean of the middle two for an even count); NaN when there is nothing. */
  static double median(double[] v) {
    if (v.length == 0) {
      return Double.NaN;
    }
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  static double median(List<Double> v) {
    return median(v.stream().mapToDouble(Double::doubleValue).toArray());
  }

  /** The arithmetic mean; NaN when there is nothing. */
  static double mean(List<Double> v) {
    return v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
  }

  /** "0.91, 0.92, 0.87": each value with two decimals, in order. */
  static String twoDecimals(List<Double> v) {
    return v.stream()
        .map(x -> String.format(Locale.ROOT, "%.2f", x))
        .collect(Collectors.joining(", "));
  }
}

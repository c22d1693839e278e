package org.sakd.monitor;

import java.util.LinkedHashMap;
import java.util.Map;

/** One trained network's line of the results table (machine-readable in summary.json). */
public record SummaryRow(
    String label,
    String mode,
    String method,
    int interval,
    double ratio,
    double bestTop1,
    double top1,
    double top5,
    double secondsPerEpoch,
    double totalSeconds,
    double dataFraction) {

  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("label", label);
    m.put("mode", mode);
    m.put("method", method);
    m.put("interval", interval);
    m.put("ratio", ratio);
    m.put("best_top1", bestTop1);
    m.put("top1", top1);
    m.put("top5", top5);
    m.put("seconds_per_epoch", secondsPerEpoch);
    m.put("total_seconds", totalSeconds);
    m.put("data_fraction", dataFraction);
    return m;
  }
}

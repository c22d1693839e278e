package org.sakd.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.sakd.monitor.RunLog;

/** What one epoch did and measured (supervised and distillation runs alike). */
public record EpochRecord(
    int epoch,
    boolean selectionEpoch,
    int trainedSamples,
    double trainLoss,
    double top1,
    double top5,
    double scoreSeconds,
    double trainSeconds,
    double validateSeconds,
    double meanAlpha) {
  /** Seconds of the epoch as the paper counts them: the scoring pass, selection and training. */
  public double epochSeconds() {
    return scoreSeconds + trainSeconds;
  }

  /** The metrics.csv row and epoch event of this epoch (columns as RunLog.METRIC_COLUMNS). */
  public Map<String, Object> metricsRow(String mode, double lr) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("mode", mode);
    row.put("epoch", epoch + 1); // 1-based wherever a person reads it, as in the log lines
    row.put("train_loss", trainLoss);
    row.put("top1", top1);
    row.put("top5", top5);
    row.put("seconds", epochSeconds());
    row.put("score_seconds", scoreSeconds);
    row.put("trained_samples", trainedSamples);
    row.put("mean_alpha", meanAlpha);
    row.put("lr", lr);
    row.put("rss_mb", RunLog.rssMiB());
    return row;
  }
}

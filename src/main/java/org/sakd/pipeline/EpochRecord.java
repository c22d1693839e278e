package org.sakd.pipeline;

/** What one epoch did and measured. */
public record EpochRecord(int epoch, boolean selectionEpoch, int trainedSamples, double trainLoss, double top1,
    double top5, double scoreSeconds, double trainSeconds, double validateSeconds, double meanAlpha) {
  /** Seconds of the epoch as the paper counts them: the scoring pass, selection and training. */
  public double epochSeconds() {
    return scoreSeconds + trainSeconds;
  }
}

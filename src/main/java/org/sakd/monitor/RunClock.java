package org.sakd.monitor;

import java.time.Duration;
import java.util.Optional;

/**
 * The whole run's time left, for the progress line: the time per epoch seen so far in this process
 * times the epochs left. A resumed run counts from the epoch it resumed at, so its estimate is not
 * skewed by the epochs an earlier process trained.
 */
public final class RunClock {
  /** Below this much of an epoch done, an estimate would be noise. */
  private static final double MIN_DONE = 0.02;

  private final int epochs;
  private final long startNanos;
  private int firstEpoch = -1;

  /** A clock for a run of {@code epochs} epochs that starts now. */
  public RunClock(int epochs) {
    this(epochs, System.nanoTime());
  }

  RunClock(int epochs, long startNanos) {
    this.epochs = epochs;
    this.startNanos = startNanos;
  }

  /**
   * The estimated time left at {@code nowNanos}, when {@code fraction} of epoch {@code epoch}
   * (0-based) is done; empty until enough of the run has been seen.
   */
  public synchronized Optional<Duration> remaining(int epoch, double fraction, long nowNanos) {
    if (firstEpoch < 0) {
      firstEpoch = epoch;
    }
    double done = epoch - firstEpoch + fraction;
    if (done < MIN_DONE) {
      return Optional.empty();
    }
    double perEpoch = (nowNanos - startNanos) / done;
    double left = Math.max(0, epochs - epoch - fraction);
    return Optional.of(Duration.ofNanos((long) (perEpoch * left)));
  }

  /** h:mm:ss, or m:ss under an hour. */
  public static String format(Duration d) {
    long s = Math.max(0, d.toSeconds());
    return s >= 3600
        ? String.format(java.util.Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
        : String.format(java.util.Locale.ROOT, "%d:%02d", s / 60, s % 60);
  }
}

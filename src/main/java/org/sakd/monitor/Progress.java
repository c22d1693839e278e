package org.sakd.monitor;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A terminal progress bar per phase (score, train, validate) with clips/s, the smoothed loss and
 * the whole run's time left, drawn within the terminal's width ({@code COLUMNS}, else 80). Off when
 * {@code SAKD_PROGRESS=off} (tests, CI logs) — then nothing is drawn, the summary lines remain.
 */
public final class Progress implements AutoCloseable {
  private static final boolean ENABLED =
      !"off"
          .equalsIgnoreCase(
              System.getenv()
                  .getOrDefault("SAKD_PROGRESS", System.getProperty("sakd.progress", "on")));

  /** Weight of the newest batch in the smoothed loss (an exponential moving average). */
  static final double SMOOTHING = 0.1;

  /** Where a phase sits in the run, for the run's time left. */
  public record Position(RunClock clock, int epoch, double from, double to) {
    /** A phase that covers {@code [from, to]} of epoch {@code epoch} (0-based). */
    public Position {
      if (from < 0 || to > 1 || from > to) {
        throw new IllegalArgumentException(
            "a phase covers part of [0, 1], got " + from + ".." + to);
      }
    }
  }

  private final ProgressBar bar;
  private final Position position;
  private final long total;
  private final long start = System.nanoTime();
  private long done;
  private double smoothed = Double.NaN;

  /** A phase bar without a place in a run (no run ETA). */
  public Progress(String phase, long total) {
    this(phase, total, null);
  }

  public Progress(String phase, long total, Position position) {
    this.position = position;
    this.total = total;
    this.bar =
        ENABLED
            ? new ProgressBarBuilder()
                .setTaskName(phase)
                .setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(System.err, columns()))
                .setUpdateIntervalMillis(250)
                .hideEta()
                .continuousUpdate()
                .build()
            : null;
  }

  /** The terminal's width from {@code COLUMNS}, else 80. */
  static int columns() {
    try {
      int c = Integer.parseInt(System.getenv().getOrDefault("COLUMNS", "80").trim());
      return c >= 40 ? c : 80;
    } catch (NumberFormatException e) {
      return 80;
    }
  }

  /** {@code clips} more done; {@code loss} is the batch's mean loss (NaN when there is none). */
  public void step(long clips, double loss) {
    done += clips;
    if (!Double.isNaN(loss)) {
      smoothed = smooth(smoothed, loss);
    }
    if (bar != null) {
      long now = System.nanoTime();
      double secs = (now - start) / 1e9;
      Optional<Duration> left =
          position == null
              ? Optional.empty()
              : position
                  .clock()
                  .remaining(
                      position.epoch(),
                      position.from()
                          + (position.to() - position.from()) * done / Math.max(1, total),
                      now);
      bar.stepBy(clips);
      bar.setExtraMessage(message(done / Math.max(secs, 1e-9), smoothed, left));
    }
  }

  /** The exponential moving average of the batch losses; the first batch starts it. */
  static double smooth(double previous, double loss) {
    return Double.isNaN(previous) ? loss : previous + SMOOTHING * (loss - previous);
  }

  /** The text after the bar: throughput, smoothed loss (if any), the run's time left (if known). */
  static String message(double clipsPerSecond, double smoothedLoss, Optional<Duration> runLeft) {
    StringBuilder m = new StringBuilder();
    m.append(String.format(Locale.ROOT, " %.1f clips/s", clipsPerSecond));
    if (!Double.isNaN(smoothedLoss)) {
      m.append(String.format(Locale.ROOT, " loss %.3f", smoothedLoss));
    }
    runLeft.ifPresent(d -> m.append(" run ETA ").append(RunClock.format(d)));
    return m.toString();
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }
}

package org.sakd.monitor;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
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

  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Progress.class);

  /** Weight of the newest batch in the smoothed loss (an exponential moving average). */
  static final double SMOOTHING = 0.1;

  /**
   * One step's view of a phase, for observers ({@link #addListener}): {@code phase} is the bar's
   * first word (score, train, validate), {@code epoch} 1-based (0 for a bar outside a run), {@code
   * smoothedLoss} NaN before the first loss.
   */
  public record Snapshot(
      String phase, int epoch, long done, long total, double clipsPerSecond, double smoothedLoss) {}

  // Bars do not know their run (PhaseFlows makes them), and one JVM trains one run at a time, so
  // observers of the bars are process-wide.
  private static final List<Consumer<Snapshot>> LISTENERS = new CopyOnWriteArrayList<>();

  /**
   * Calls {@code listener} after every step of every bar, on the thread that steps it: it must
   * return at once (keep the snapshot, never block). Remove it when its run ends.
   */
  public static void addListener(Consumer<Snapshot> listener) {
    LISTENERS.add(listener);
  }

  public static void removeListener(Consumer<Snapshot> listener) {
    LISTENERS.remove(listener);
  }

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
  private final String phase;
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
    this.phase = phase.split(" ", 2)[0];
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
    if (!LISTENERS.isEmpty()) {
      double secs = (System.nanoTime() - start) / 1e9;
      Snapshot snap =
          new Snapshot(
              phase,
              position == null ? 0 : position.epoch() + 1,
              done,
              total,
              done / Math.max(secs, 1e-9),
              smoothed);
      for (Consumer<Snapshot> l : LISTENERS) {
        try {
          l.accept(snap);
        } catch (RuntimeException e) { // an observer's bug must not fail the training step
          LOG.warn("progress listener failed: {}", e.toString());
        }
      }
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

package org.sakd.monitor;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A terminal progress bar per phase (score, train, validate) with clips/s and loss. Off when {@code
 * SAKD_PROGRESS=off} (tests, CI logs) — then nothing is drawn, the summary lines remain.
 */
public final class Progress implements AutoCloseable {
  private static final boolean ENABLED =
      !"off"
          .equalsIgnoreCase(
              System.getenv()
                  .getOrDefault("SAKD_PROGRESS", System.getProperty("sakd.progress", "on")));
  private final ProgressBar bar;
  private final long start = System.nanoTime();
  private long done;

  public Progress(String phase, long total) {
    this.bar =
        ENABLED
            ? new ProgressBarBuilder()
                .setTaskName(phase)
                .setInitialMax(total)
                .setStyle(ProgressBarStyle.ASCII)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .setUpdateIntervalMillis(250)
                .continuousUpdate()
                .build()
            : null;
  }

  public void step(long clips, double loss) {
    done += clips;
    if (bar != null) {
      double secs = (System.nanoTime() - start) / 1e9;
      bar.stepBy(clips);
      bar.setExtraMessage(
          String.format(
              java.util.Locale.ROOT,
              " %.1f clips/s%s",
              done / Math.max(secs, 1e-9),
              Double.isNaN(loss) ? "" : String.format(java.util.Locale.ROOT, " loss %.4f", loss)));
    }
  }

  @Override
  public void close() {
    if (bar != null) {
      bar.close();
    }
  }
}

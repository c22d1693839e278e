package org.sakd.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ProgressTest {
  private static final long SECOND = 1_000_000_000L;

  @Test
  void theRunsTimeLeftIsTheTimePerEpochSoFarTimesTheEpochsLeft() {
    RunClock clock = new RunClock(10, 0);
    // nothing done yet: no estimate rather than a wild one
    assertTrue(clock.remaining(0, 0.0, 5 * SECOND).isEmpty());
    // half of epoch 1 in 10 s: 20 s per epoch, 9.5 epochs left
    assertEquals(Duration.ofSeconds(190), clock.remaining(0, 0.5, 10 * SECOND).orElseThrow());
    // three epochs in 60 s, at the start of the fourth: 7 epochs of 20 s left
    assertEquals(Duration.ofSeconds(140), clock.remaining(3, 0.0, 60 * SECOND).orElseThrow());
    assertEquals(Duration.ZERO, clock.remaining(9, 1.0, 200 * SECOND).orElseThrow());
  }

  @Test
  void aResumedRunCountsFromTheEpochItResumedAt() {
    RunClock clock = new RunClock(30, 0);
    // resumed at epoch 20: the first estimate comes from this process's own epochs
    assertTrue(clock.remaining(20, 0.0, SECOND).isEmpty());
    assertEquals(Duration.ofSeconds(90), clock.remaining(21, 0.0, 10 * SECOND).orElseThrow());
  }

  @Test
  void durationsReadAsClockTimes() {
    assertEquals("0:07", RunClock.format(Duration.ofSeconds(7)));
    assertEquals("12:34", RunClock.format(Duration.ofSeconds(12 * 60 + 34)));
    assertEquals("2:03:04", RunClock.format(Duration.ofSeconds(2 * 3600 + 3 * 60 + 4)));
  }

  @Test
  void theLossIsSmoothedOverBatches() {
    double s = Progress.smooth(Double.NaN, 2.0);
    assertEquals(2.0, s);
    s = Progress.smooth(s, 1.0);
    assertEquals(1.9, s, 1e-12);
    // a NaN-free run of equal losses stays at that loss
    double t = 3.0;
    for (int i = 0; i < 50; i++) {
      t = Progress.smooth(t, 3.0);
    }
    assertEquals(3.0, t, 1e-12);
  }

  @Test
  void theLineFitsEightyColumnsWithRoomForTheBar() {
    String m = Progress.message(1234.5, 12.3456, Optional.of(Duration.ofSeconds(3 * 3600 + 59)));
    assertEquals(" 1234.5 clips/s loss 12.346 run ETA 3:00:59", m);
    // task name, percentage, counts and elapsed time take at most ~36 columns of 80
    assertTrue(m.length() <= 44, m);
    assertEquals(" 3.0 clips/s", Progress.message(3, Double.NaN, Optional.empty()));
  }
}

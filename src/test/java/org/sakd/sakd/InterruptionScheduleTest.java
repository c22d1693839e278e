package org.sakd.sakd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class InterruptionScheduleTest {

  private static final double TOL = 1e-12;

  @Test
  void polyMatchesReferenceAndClipsAtEta() {
    InterruptionSchedule s = new InterruptionSchedule(ScheduleKind.POLY, 100, 0.5);
    assertEquals(0.0, s.beta(0), TOL);
    assertEquals(1.0 - Math.pow(0.9, 0.9), s.beta(10), TOL);
    assertEquals(0.090467, s.beta(10), 1e-6); // 1 − 0.9^0.9 = 1 − e^{0.9·ln 0.9}
    assertEquals(0.464113, s.beta(50), 1e-6); // 1 − 0.5^0.9
    assertEquals(0.5, s.beta(60), TOL); // 1 − 0.4^0.9 = 0.5616 → clipped
    assertFalse(s.isShuffle(50));
    assertTrue(s.isShuffle(60));
  }

  @Test
  void linearSwitchesExactlyAtEta() {
    InterruptionSchedule s = new InterruptionSchedule(ScheduleKind.LINEAR, 100, 0.5);
    assertEquals(0.25, s.beta(25), TOL);
    assertEquals(0.49, s.beta(49), TOL);
    assertFalse(s.isShuffle(49));
    assertEquals(0.5, s.beta(50), TOL);
    assertTrue(s.isShuffle(50));
    assertEquals(0.5, s.beta(99), TOL);
  }

  @Test
  void cosineMatchesReference() {
    InterruptionSchedule s = new InterruptionSchedule(ScheduleKind.COSINE, 100, 0.5);
    assertEquals(0.5 * (1.0 - Math.cos(Math.PI * 0.2)), s.beta(20), TOL);
    assertEquals(0.0954915, s.beta(20), 1e-6);
    assertEquals(0.4842946, s.beta(49), 1e-6);
    assertFalse(s.isShuffle(49));
    assertTrue(
        s.isShuffle(50),
        "cos(pi/2) is not exactly 0 in floating point; the switch must still happen at N/2");
    assertEquals(0.5, s.beta(50), 0.0);
    assertEquals(0.5, s.beta(80), TOL);
  }

  @Test
  void etaOneNeverShufflesBeforeTheEnd() {
    InterruptionSchedule s = new InterruptionSchedule(ScheduleKind.LINEAR, 10, 1.0);
    assertFalse(s.isShuffle(9));
    assertEquals(0.9, s.beta(9), TOL);
  }

  @Test
  void rejectsBadInputWithClearMessages() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ScheduleKind.parse("step"));
    assertTrue(e.getMessage().contains("poly, linear, cosine"), e.getMessage());
    assertEquals(ScheduleKind.COSINE, ScheduleKind.parse(" Cosine "));
    assertThrows(
        IllegalArgumentException.class, () -> new InterruptionSchedule(ScheduleKind.POLY, 0, 0.5));
    assertThrows(
        IllegalArgumentException.class, () -> new InterruptionSchedule(ScheduleKind.POLY, 10, 0.0));
    assertThrows(
        IllegalArgumentException.class,
        () -> new InterruptionSchedule(ScheduleKind.POLY, 10, 0.5).beta(-1));
  }
}

package org.sakd.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LrScheduleTest {
  @Test
  void warmupThenCosine() {
    LrSchedule s = new LrSchedule("cosine", 0.1, 11, 1, new int[0], 0.1);
    assertTrue(s.lr(0) < 0.01);
    assertEquals(0.1, s.lr(1), 1e-12);
    assertEquals(0.05, s.lr(6), 1e-12);
    assertEquals(0.0, s.lr(11), 1e-12);
  }

  @Test
  void steps() {
    LrSchedule s = new LrSchedule("step", 1.0, 10, 0, new int[] {3, 6}, 0.1);
    assertEquals(1.0, s.lr(2.5), 1e-12);
    assertEquals(0.1, s.lr(3), 1e-12);
    assertEquals(0.01, s.lr(9), 1e-12);
  }
}

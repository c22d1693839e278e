package org.sakd.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TopKTest {
  @Test
  void countsTop1AndTop5() {
    TopK t = new TopK();
    // 6 classes; sample 0 correct, sample 1 target ranked 3rd, sample 2 target ranked last
    float[] logits = {
      5, 1, 0, 0, 0, 0,
      3, 2, 1, 0, 0, 0,
      0, 1, 2, 3, 4, 5
    };
    t.add(logits, 6, new int[] {0, 2, 0});
    assertEquals(3, t.samples());
    assertEquals(100.0 / 3, t.top1(), 1e-9);
    assertEquals(200.0 / 3, t.top5(), 1e-9);
  }

  @Test
  void constantOutputIsNeverCorrect() {
    TopK t = new TopK();
    t.add(new float[] {1, 1, 1}, 3, new int[] {2});
    assertEquals(0, t.top1());
  }

  @Test
  void nonFiniteLogitsAreNeverCorrect() {
    TopK t = new TopK();
    float nan = Float.NaN;
    t.add(
        new float[] {nan, nan, nan, nan, 5, 1, 9, Float.POSITIVE_INFINITY, 0},
        3,
        new int[] {0, 1, 0});
    assertEquals(3, t.samples());
    assertEquals(0, t.top1());
    assertEquals(0, t.top5());
  }
}

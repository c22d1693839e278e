package org.sakd.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ConfusionTest {
  @Test
  void countsTruthAgainstTheTopScoringClass() {
    Confusion c = new Confusion(3);
    c.add(
        new float[] {
          0.9f,
          0.05f,
          0.05f, // class 0 → 0
          0.2f,
          0.7f,
          0.1f, // class 1 → 1
          0.6f,
          0.3f,
          0.1f, // class 1 → 0
          0.1f,
          0.1f,
          0.8f, // class 2 → 2
          0.5f,
          0.5f,
          0.0f, // class 2 → 0 (a tie goes to the lower id)
          Float.NaN,
          1f,
          0f // class 2: no prediction
        },
        new int[] {0, 1, 1, 2, 2, 2});
    assertEquals(1, c.count(0, 0));
    assertEquals(1, c.count(1, 1));
    assertEquals(1, c.count(1, 0));
    assertEquals(1, c.count(2, 2));
    assertEquals(1, c.count(2, 0));
    assertEquals(3, c.samples(2));
    assertEquals(1, c.unpredicted(2));
    assertEquals(100.0, c.accuracy(0));
    assertEquals(50.0, c.accuracy(1));
    assertEquals(100.0 / 3, c.accuracy(2), 1e-12);
    assertEquals(0, c.mostConfusedWith(1));
    assertEquals(-1, c.mostConfusedWith(0));
    assertEquals(0.5, c.rowFractions().get(1)[0]);
  }

  @Test
  void agreesWithTopKOnTheSameScores() {
    float[] scores = {3, 1, 2, 0.5f, 0.4f, 0.1f, 0, 0, 1, 2, 5, 1};
    int[] labels = {2, 0, 2, 1};
    Confusion c = new Confusion(3);
    c.add(scores, labels);
    TopK t = new TopK();
    t.add(scores, 3, labels);
    long diagonal = 0;
    for (int k = 0; k < 3; k++) {
      diagonal += c.count(k, k);
    }
    assertEquals(t.top1(), 100.0 * diagonal / labels.length, 1e-12);
    assertTrue(Double.isNaN(new Confusion(2).accuracy(1)), "a class without clips has no Top-1");
  }
}

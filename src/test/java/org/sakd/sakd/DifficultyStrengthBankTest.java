package org.sakd.sakd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Scores, α and feature bank over two rounds against vectors worked out by hand. */
class DifficultyStrengthBankTest {

  @Test
  void priorFavoursRarelySelectedSamples() {
    // 1/(c+1) = [1, 1/2, 1/4, 1]; sum 2.75
    assertArrayEquals(
        new double[] {1 / 2.75, 0.5 / 2.75, 0.25 / 2.75, 1 / 2.75},
        DifficultyScores.prior(new int[] {0, 1, 3, 0}),
        1e-15);
  }

  @Test
  void twoRoundsOfScoresAlphaAndFeatures() {
    double lambda = 0.1;
    // Round 1: no history, p uniform, u ∝ ℓ = [2, 4, 8, 1] → d = (ℓ − 1)/7.
    double[] d1 = DifficultyScores.normalise(new double[] {2, 4, 8, 1}, new int[4]);
    assertArrayEquals(new double[] {1 / 7.0, 3 / 7.0, 1.0, 0.0}, d1, 1e-15);
    float[] a1 = DistillationStrength.update(null, d1, 0.0, lambda);
    assertArrayEquals(new float[] {1 / 7f, 3 / 7f, 1f, 0f}, a1, 1e-7f);

    // Round 2: samples 1 and 2 were selected once → p ∝ [1, 1/2, 1/2, 1];
    // ℓ = [3, 6, 2, 1] → u ∝ [3, 3, 1, 1] → d = [1, 1, 0, 0].
    double[] d2 = DifficultyScores.normalise(new double[] {3, 6, 2, 1}, new int[] {0, 1, 1, 0});
    assertArrayEquals(new double[] {1, 1, 0, 0}, d2, 1e-15);
    double beta = 0.2;
    float[] a2 = DistillationStrength.update(a1, d2, beta, lambda);
    // α ← 0.1·α + 0.9·0.2·d
    assertArrayEquals(new float[] {0.1f / 7 + 0.18f, 0.3f / 7 + 0.18f, 0.1f, 0f}, a2, 1e-6f);

    FeatureBank bank = new FeatureBank(2, 3);
    bank.update(new float[] {1, 2, 3, 4, 5, 6}, false, lambda);
    assertArrayEquals(new float[] {1, 2, 3, 4, 5, 6}, bank.snapshot());
    bank.update(new float[] {11, 12, 13, 14, 15, 16}, false, lambda);
    // F ← 0.1·F + 0.9·f
    assertArrayEquals(new float[] {10, 11, 12, 13, 14, 15}, bank.snapshot(), 1e-5f);
    bank.update(new float[] {100, 100, 100, 100, 100, 100}, true, lambda);
    assertArrayEquals(
        new float[] {10, 11, 12, 13, 14, 15}, bank.snapshot(), 1e-5f, "frozen in shuffle phase");
  }

  @Test
  void firstRoundFillsTheBankEvenInShufflePhase() {
    FeatureBank bank = new FeatureBank(1, 2);
    bank.update(new float[] {3, 4}, true, 0.1);
    assertArrayEquals(new float[] {3, 4}, bank.snapshot());
  }

  @Test
  void degenerateScoresNeverNaN() {
    assertArrayEquals(
        new double[] {0.5}, DifficultyScores.normalise(new double[] {7}, new int[] {2}));
    assertArrayEquals(
        new double[] {0.5, 0.5, 0.5},
        DifficultyScores.normalise(new double[] {0, 0, 0}, new int[] {0, 5, 1}));
    // Equal u through different ℓ and c: ℓ·p identical → 0.5.
    assertArrayEquals(
        new double[] {0.5, 0.5},
        DifficultyScores.normalise(new double[] {1, 2}, new int[] {0, 1}),
        1e-15);
    double[] tiny = DifficultyScores.normalise(new double[] {1e-300, 2e-300, 0}, new int[3]);
    for (double v : tiny) {
      assertTrue(v >= 0 && v <= 1, "d in [0,1]: " + v);
    }
  }

  @Test
  void rejectsBadInput() {
    assertThrows(
        IllegalArgumentException.class,
        () -> DifficultyScores.normalise(new double[] {1, Double.NaN}, new int[2]));
    assertThrows(
        IllegalArgumentException.class,
        () -> DifficultyScores.normalise(new double[] {1}, new int[2]));
    assertThrows(IllegalArgumentException.class, () -> DifficultyScores.prior(new int[] {-1}));
    assertThrows(
        IllegalArgumentException.class,
        () -> DistillationStrength.update(new float[1], new double[2], 0.1, 0.1));
    assertThrows(
        IllegalArgumentException.class,
        () -> new FeatureBank(2, 2).update(new float[3], false, 0.1));
    assertEquals(0.1, DistillationStrength.DEFAULT_LAMBDA);
  }
}

package org.sakd.sakd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The readings of METHOD.md §2.5 (direction) and §4 (α's scale) as they enter one selection round.
 */
class ReadingsTest {

  @Test
  void directionMapsTheScoreToQuality() {
    double[] d = {0.0, 0.25, 1.0};
    assertArrayEquals(d, Direction.EASY_HIGH.quality(d), 0.0);
    assertArrayEquals(new double[] {1.0, 0.75, 0.0}, Direction.DIFFICULTY_HIGH.quality(d), 0.0);
    assertEquals(Direction.DIFFICULTY_HIGH, Direction.parse(" Difficulty-High "));
    assertThrows(IllegalArgumentException.class, () -> Direction.parse("hard"));
  }

  @Test
  void alphaFormsScaleTheLaterRounds() {
    assertEquals(0.1, AlphaForm.CODE.strength(0.1, 0.5), 0.0);
    assertEquals(1.0, AlphaForm.UNIT.strength(0.1, 0.5), 0.0);
    assertEquals(0.2, AlphaForm.BETA_OVER_ETA.strength(0.1, 0.5), 1e-15);
    assertEquals(
        1.0, AlphaForm.BETA_OVER_ETA.strength(0.5, 0.5), 0.0, "s reaches 1 at the threshold");
    assertThrows(IllegalArgumentException.class, () -> AlphaForm.parse("paper"));
  }

  /**
   * ℓ = [1, 2, 3, 9]: with no history d = [0, 1/8, 2/8, 1]; the top-1 selection flips with the
   * direction.
   */
  @Test
  void aRoundUsesTheDirectionForSelectionAndAlpha() {
    double[] kd = {1, 2, 3, 9};
    float[] f = {1, 0, 0, 1, 1, 0, 0, 1};
    SelectionPolicy easy = new SelectionPolicy(0.1, Direction.EASY_HIGH, AlphaForm.UNIT, 0.5);
    SelectionPolicy hard = new SelectionPolicy(0.1, Direction.DIFFICULTY_HIGH, AlphaForm.UNIT, 0.5);
    SelectionRound e =
        new SelectionState(4)
            .applyRound(0, kd, f, 2, 0.0, false, easy, new TopKSelector(), 0.25, new Random(1));
    SelectionRound h =
        new SelectionState(4)
            .applyRound(0, kd, f, 2, 0.0, false, hard, new TopKSelector(), 0.25, new Random(1));
    assertArrayEquals(
        new int[] {3}, e.selected(), "easy-high picks the highest interrupted KD loss");
    assertArrayEquals(new int[] {0}, h.selected(), "difficulty-high picks the lowest");
    assertArrayEquals(new float[] {0f, 0.125f, 0.25f, 1f}, e.alpha(), 1e-7f);
    assertArrayEquals(new float[] {1f, 0.875f, 0.75f, 0f}, h.alpha(), 1e-7f);
    assertArrayEquals(
        e.difficulty(), h.difficulty(), 0.0, "d itself does not depend on the reading");
  }

  /** Second round, same q: the code form shrinks α by β, the unit form keeps it at q's scale. */
  @Test
  void laterRoundsFollowTheForm() {
    double[] kd = {1, 2, 3, 9};
    float[] f = {1, 0, 0, 1, 1, 0, 0, 1};
    float[] alphaCode = twoRounds(kd, f, AlphaForm.CODE);
    float[] alphaUnit = twoRounds(kd, f, AlphaForm.UNIT);
    float[] alphaScaled = twoRounds(kd, f, AlphaForm.BETA_OVER_ETA);
    // round 2 with β = 0.2, η = 0.5: α ← 0.1·α₁ + 0.9·s·q₂
    double[] q1 = Direction.EASY_HIGH.quality(DifficultyScores.normalise(kd, new int[4]));
    double[] q2 =
        Direction.EASY_HIGH.quality(DifficultyScores.normalise(kd, new int[] {0, 0, 0, 1}));
    for (int i = 0; i < 4; i++) {
      assertEquals(0.1 * q1[i] + 0.9 * 0.2 * q2[i], alphaCode[i], 1e-6);
      assertEquals(0.1 * q1[i] + 0.9 * q2[i], alphaUnit[i], 1e-6);
      assertEquals(0.1 * q1[i] + 0.9 * 0.4 * q2[i], alphaScaled[i], 1e-6);
    }
  }

  private static float[] twoRounds(double[] kd, float[] f, AlphaForm form) {
    SelectionPolicy p = new SelectionPolicy(0.1, Direction.EASY_HIGH, form, 0.5);
    SelectionState s = new SelectionState(4);
    s.applyRound(0, kd, f, 2, 0.0, false, p, new TopKSelector(), 0.25, new Random(1));
    return s.applyRound(1, kd, f, 2, 0.2, false, p, new TopKSelector(), 0.25, new Random(2))
        .alpha();
  }
}

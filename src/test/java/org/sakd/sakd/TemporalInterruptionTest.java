package org.sakd.sakd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class TemporalInterruptionTest {

  private static final int C = 3;
  private static final int T = 16;
  private static final int H = 4;
  private static final int W = 5;

  /** Every value distinct and non-zero, so a moved or zeroed frame is recognisable. */
  private static float[] clip() {
    float[] x = new float[C * T * H * W];
    for (int i = 0; i < x.length; i++) {
      x[i] = i + 1;
    }
    return x;
  }

  private static float[] frame(float[] x, int ch, int t) {
    int start = (ch * T + t) * H * W;
    return Arrays.copyOfRange(x, start, start + H * W);
  }

  @Test
  void betaZeroDropsNothing() {
    float[] x = clip();
    assertArrayEquals(x, TemporalInterruption.apply(x, C, T, H, W, 0.0, 0.5, new Random(1)));
  }

  @Test
  void dropoutZeroesExactlyFloorBetaTWholeFramesAndNothingElse() {
    float[] x = clip();
    double beta = 0.3; // floor(0.3·16) = 4
    int[] expected = TemporalInterruption.dropoutFrames(T, beta, new Random(5));
    assertEquals(4, expected.length);
    float[] y = TemporalInterruption.apply(x, C, T, H, W, beta, 0.5, new Random(5));
    Set<Integer> dropped = new HashSet<>();
    for (int t : expected) {
      dropped.add(t);
    }
    assertEquals(4, dropped.size());
    for (int ch = 0; ch < C; ch++) {
      for (int t = 0; t < T; t++) {
        float[] f = frame(y, ch, t);
        if (dropped.contains(t)) {
          assertArrayEquals(new float[H * W], f, "frame " + t + " channel " + ch + " must be zero");
        } else {
          assertArrayEquals(
              frame(x, ch, t), f, "frame " + t + " channel " + ch + " must be untouched");
        }
      }
    }
    assertArrayEquals(clip(), x, "input must not be modified");
  }

  @Test
  void shuffleMovesEveryFrameOfOneHalfIntoTheOther() {
    for (int n : new int[] {16, 15, 2, 1}) {
      int[] perm = TemporalInterruption.shufflePermutation(n, new Random(n));
      int[] sorted = perm.clone();
      Arrays.sort(sorted);
      for (int i = 0; i < n; i++) {
        assertEquals(i, sorted[i], "not a permutation");
      }
      int moved = 0;
      for (int p = 0; p < n; p++) {
        if (perm[p] != p) {
          moved++;
          assertEquals(p, perm[perm[p]], "moves must be pairwise swaps");
        }
      }
      assertEquals(2 * (n / 2), moved, "every frame of S and of its partners in R moves, n=" + n);
    }
  }

  @Test
  void shufflePairsTheDrawnHalfWithTheRestInAscendingOrder() {
    int[] perm = TemporalInterruption.shufflePermutation(8, new Random(3));
    int[] s = TemporalInterruption.drawWithoutReplacement(8, 4, new Random(3));
    boolean[] inS = new boolean[8];
    for (int p : s) {
      inS[p] = true;
    }
    int r = 0;
    for (int p : s) {
      while (inS[r]) {
        r++;
      }
      assertEquals(r, perm[p]);
      assertEquals(p, perm[r]);
      r++;
    }
  }

  @Test
  void shuffleAppliesThePermutationToWholeFrames() {
    float[] x = clip();
    int[] perm = TemporalInterruption.shufflePermutation(T, new Random(9));
    float[] y = TemporalInterruption.apply(x, C, T, H, W, 0.5, 0.5, new Random(9));
    for (int ch = 0; ch < C; ch++) {
      for (int t = 0; t < T; t++) {
        assertArrayEquals(frame(x, ch, perm[t]), frame(y, ch, t));
      }
    }
  }

  @Test
  void differentClipsGetDifferentDrawsAndSameSeedRepeats() {
    float[] one = clip();
    float[] batch = new float[one.length * 4];
    for (int b = 0; b < 4; b++) {
      System.arraycopy(one, 0, batch, b * one.length, one.length);
    }
    float[] a = TemporalInterruption.applyBatch(batch, 4, C, T, H, W, 0.3, 0.5, new Random(11));
    float[] b = TemporalInterruption.applyBatch(batch, 4, C, T, H, W, 0.3, 0.5, new Random(11));
    assertArrayEquals(a, b, "same seed, same result");
    Set<String> patterns = new HashSet<>();
    for (int i = 0; i < 4; i++) {
      patterns.add(Arrays.toString(Arrays.copyOfRange(a, i * one.length, (i + 1) * one.length)));
    }
    assertTrue(patterns.size() > 1, "identical clips in one batch must get their own draws");
    float[] other = TemporalInterruption.applyBatch(batch, 4, C, T, H, W, 0.3, 0.5, new Random(12));
    assertNotEquals(Arrays.toString(a), Arrays.toString(other));
  }

  @Test
  void rejectsWrongLayout() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TemporalInterruption.apply(new float[10], C, T, H, W, 0.1, 0.5, new Random(1)));
    assertTrue(e.getMessage().contains("C×T×H×W"), e.getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> TemporalInterruption.apply(clip(), C, T, H, W, 1.5, 0.5, new Random(1)));
  }
}

package org.sakd.sakd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SpatialInterruptionTest {

  private static final int C = 3;
  private static final int H = 8;
  private static final int W = 12;

  private static float[] image() {
    float[] x = new float[C * H * W];
    for (int i = 0; i < x.length; i++) {
      x[i] = i + 1;
    }
    return x;
  }

  /** Patch index of pixel (y, x) on the 4×4 grid: patches are 2 rows × 3 columns. */
  private static int patchOf(int y, int x) {
    return (y / 2) * 4 + x / 3;
  }

  @Test
  void dropoutZeroesFloorBetaPWholePatches() {
    float[] x = image();
    double beta = 0.3; // floor(0.3·16) = 4 patches
    int[] dropped = TemporalInterruption.dropoutFrames(16, beta, new Random(4));
    assertEquals(4, dropped.length);
    boolean[] isDropped = new boolean[16];
    for (int p : dropped) {
      isDropped[p] = true;
    }
    float[] y = SpatialInterruption.apply(x, C, H, W, beta, 0.5, new Random(4));
    for (int ch = 0; ch < C; ch++) {
      for (int r = 0; r < H; r++) {
        for (int c = 0; c < W; c++) {
          int i = (ch * H + r) * W + c;
          assertEquals(
              isDropped[patchOf(r, c)] ? 0f : x[i], y[i], "pixel " + ch + "," + r + "," + c);
        }
      }
    }
  }

  @Test
  void shuffleMovesWholePatches() {
    float[] x = image();
    int[] perm = TemporalInterruption.shufflePermutation(16, new Random(8));
    float[] y = SpatialInterruption.apply(x, C, H, W, 0.7, 0.5, new Random(8));
    for (int ch = 0; ch < C; ch++) {
      for (int r = 0; r < H; r++) {
        for (int c = 0; c < W; c++) {
          int p = patchOf(r, c);
          int src = perm[p];
          int sr = (src / 4) * 2 + r % 2;
          int sc = (src % 4) * 3 + c % 3;
          assertEquals(x[(ch * H + sr) * W + sc], y[(ch * H + r) * W + c]);
        }
      }
    }
  }

  @Test
  void betaZeroAndSeedsBehave() {
    float[] x = image();
    assertArrayEquals(x, SpatialInterruption.apply(x, C, H, W, 0.0, 0.5, new Random(1)));
    assertArrayEquals(
        SpatialInterruption.apply(x, C, H, W, 0.4, 0.5, new Random(2)),
        SpatialInterruption.apply(x, C, H, W, 0.4, 0.5, new Random(2)));
  }

  @Test
  void rejectsGridThatDoesNotDivideTheImage() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            SpatialInterruption.apply(
                new float[C * 10 * 10], C, 10, 10, 4, 4, 0.2, 0.5, new Random(1)));
  }
}

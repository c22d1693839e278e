package org.sakd.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyntheticActionsTest {
  static final SyntheticSpec SMALL = new SyntheticSpec(4, 3, 2, 12, 48, 32, 25, 5, "avi", 1);

  @TempDir Path dir;

  @Test
  void writesAUcf101LayoutWithAGroupSplit() {
    Path root = SyntheticActions.generate(dir.resolve("a"), SMALL);
    DatasetIndex idx = Datasets.open("synthetic", root, Map.of());
    assertEquals("synthetic", idx.format());
    assertEquals(java.util.List.of("MoveLeft", "MoveRight", "MoveUp", "MoveDown"), idx.classes());
    assertEquals(4 * 2 * 2, idx.train().size());
    assertEquals(4 * 1 * 2, idx.test().size());
    assertTrue(idx.problems().isEmpty(), idx.problems().toString());
    assertTrue(
        idx.test().stream().allMatch(s -> s.id().contains("_g03_")),
        "the last group is the test split");
    assertTrue(Files.isRegularFile(root.resolve("videos/MoveUp/v_MoveUp_g02_c01.avi")));
    assertEquals(12, new VideoDecoder().countFrames(idx.test().get(0).path()).frames());
  }

  @Test
  void sameSeedSamePixels() throws Exception {
    Path a = SyntheticActions.generate(dir.resolve("a"), SMALL);
    Path b = SyntheticActions.generate(dir.resolve("b"), SMALL);
    Path c =
        SyntheticActions.generate(
            dir.resolve("c"), new SyntheticSpec(4, 3, 2, 12, 48, 32, 25, 6, "avi", 1));
    String rel = "videos/MoveDown/v_MoveDown_g02_c02.avi";
    VideoDecoder d = new VideoDecoder();
    float[] fa = d.decodeAll(a.resolve(rel), 48, 32).data();
    assertArrayEquals(fa, d.decodeAll(b.resolve(rel), 48, 32).data());
    assertFalse(
        Arrays.equals(fa, d.decodeAll(c.resolve(rel), 48, 32).data()),
        "another seed draws another clip");
    for (SyntheticActions.Motion m : SyntheticActions.Motion.values()) {
      assertArrayEquals(
          SyntheticActions.render(SMALL, m, 2, 1)[5], SyntheticActions.render(SMALL, m, 2, 1)[5]);
    }
  }

  @Test
  void everyClassChangesOverTime() {
    SyntheticSpec all = new SyntheticSpec(10, 2, 1, 16, 64, 48, 25, 9, "avi", 1);
    for (SyntheticActions.Motion m : SyntheticActions.Motion.values()) {
      byte[][] frames = SyntheticActions.render(all, m, 1, 1);
      double diff = 0;
      for (int i = 0; i < frames[0].length; i++)
        diff += Math.abs((frames[0][i] & 0xFF) - (frames[15][i] & 0xFF));
      diff /= frames[0].length;
      // Pixel noise alone differs by about 4 grey levels; the motion must add clearly more.
      assertTrue(diff > 6, m + ": first and last frame differ by only " + diff);
    }
  }

  @Test
  void oneFrameDoesNotRevealDirectionButTheOrderDoes() {
    // Over many clips, where the shape sits in a single frame is spread alike for MoveLeft and
    // MoveRight,
    // while its motion between the first and last frame separates them every time.
    SyntheticSpec spec = new SyntheticSpec(2, 40, 1, 16, 64, 48, 25, 4, "avi", 0);
    double[] meanX = new double[2];
    for (int k = 0; k < 2; k++) {
      SyntheticActions.Motion m = SyntheticActions.Motion.values()[k];
      double sum = 0;
      int n = 0;
      for (int g = 1; g <= 40; g++) {
        byte[][] frames = SyntheticActions.render(spec, m, g, 1);
        for (byte[] f : frames) {
          sum += centroidX(f, 64);
          n++;
        }
        double move = centroidX(frames[15], 64) - centroidX(frames[0], 64);
        assertTrue(k == 0 ? move < -3 : move > 3, m + " group " + g + " moved " + move);
      }
      meanX[k] = sum / n;
    }
    assertEquals(meanX[0], meanX[1], 4.0, "mean shape position of single frames");
  }

  /** Column centroid of the bright (foreground) pixels. */
  private static double centroidX(byte[] rgb, int width) {
    double sx = 0;
    int n = 0;
    for (int i = 0; i < rgb.length / 3; i++) {
      int max = Math.max(rgb[3 * i] & 0xFF, Math.max(rgb[3 * i + 1] & 0xFF, rgb[3 * i + 2] & 0xFF));
      if (max > 140) {
        sx += i % width;
        n++;
      }
    }
    return n == 0 ? Double.NaN : sx / n;
  }

  @Test
  void skipsWhenTheSameSpecIsComplete() throws Exception {
    Path root = SyntheticActions.generate(dir.resolve("a"), SMALL);
    Path video = root.resolve("videos/MoveLeft/v_MoveLeft_g01_c01.avi");
    FileTime old = FileTime.fromMillis(1_000_000L);
    Files.setLastModifiedTime(video, old);
    SyntheticActions.generate(root, SMALL);
    assertEquals(old, Files.getLastModifiedTime(video), "complete dataset left alone");
    Files.delete(root.resolve("videos/MoveUp/v_MoveUp_g01_c02.avi"));
    SyntheticActions.generate(root, SMALL);
    assertTrue(
        Files.isRegularFile(root.resolve("videos/MoveUp/v_MoveUp_g01_c02.avi")),
        "incomplete dataset regenerated");
  }

  @Test
  void rejectsBadSpecs() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new SyntheticSpec(11, 3, 1, 8, 32, 32, 25, 1, "avi", 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> new SyntheticSpec(2, 3, 1, 8, 33, 32, 25, 1, "avi", 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> new SyntheticSpec(2, 3, 1, 8, 32, 32, 25, 1, "mkv", 1));
    assertThrows(
        IllegalArgumentException.class,
        () -> new SyntheticSpec(2, 3, 1, 8, 32, 32, 25, 1, "avi", 3));
  }
}

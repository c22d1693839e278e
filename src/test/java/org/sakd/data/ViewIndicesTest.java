package org.sakd.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ViewIndicesTest {
  @Test
  void oneViewIsTheCentreClip() {
    for (int total : new int[] {16, 17, 40, 100}) {
      assertArrayEquals(
          VideoDecoder.frameIndices(total, 8, 2, false, new Random(1)),
          VideoDecoder.viewIndices(total, 8, 2, 0, 1),
          "total " + total);
    }
  }

  @Test
  void viewsAreEvenlySpacedInsideTheVideo() {
    // 100 frames, span 16: room 84; three views start at 84·1/6, 84·3/6, 84·5/6
    int[][] starts = new int[3][];
    for (int v = 0; v < 3; v++) {
      starts[v] = VideoDecoder.viewIndices(100, 8, 2, v, 3);
      for (int i = 1; i < 8; i++) {
        assertEquals(2, starts[v][i] - starts[v][i - 1]);
      }
      assertTrue(starts[v][7] < 100);
    }
    assertEquals(14, starts[0][0]);
    assertEquals(42, starts[1][0]);
    assertEquals(70, starts[2][0]);
  }

  @Test
  void shortVideosLoopFromSpreadStarts() {
    int[] a = VideoDecoder.viewIndices(10, 8, 2, 0, 2);
    int[] b = VideoDecoder.viewIndices(10, 8, 2, 1, 2);
    assertEquals(0, a[0]);
    assertEquals(5, b[0]);
    assertEquals((5 + 14) % 10, b[7]);
    assertThrows(IllegalArgumentException.class, () -> VideoDecoder.viewIndices(10, 8, 2, 2, 2));
  }

  @Test
  void decodedViewsOfARealVideo(@TempDir Path dir) {
    SyntheticActions.generate(dir, new SyntheticSpec(2, 2, 1, 24, 48, 32, 25, 3, "avi", 1));
    DatasetIndex index = Datasets.open("synthetic", dir, java.util.Map.of());
    Sample s = index.train().get(0);
    VideoClipSource source = new VideoClipSource(new VideoDecoder(), ClipSpec.of(4, 2, 32, 32));
    Clip centre = source.load(s, false, 0);
    assertArrayEquals(centre.data(), source.loadView(s, 0, 1).data());
    Clip first = source.loadView(s, 0, 2);
    Clip second = source.loadView(s, 1, 2);
    assertEquals(Arrays.toString(centre.shape()), Arrays.toString(first.shape()));
    assertTrue(!Arrays.equals(first.data(), second.data()), "two views show different frames");
  }
}

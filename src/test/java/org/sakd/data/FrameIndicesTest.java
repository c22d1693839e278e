package org.sakd.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FrameIndicesTest {
  @Test
  void testWindowIsCentred() {
    // 100 frames, span 8*4 = 32: room 68, start 34.
    assertArrayEquals(
        new int[] {34, 38, 42, 46, 50, 54, 58, 62},
        VideoDecoder.frameIndices(100, 8, 4, false, new Random(1)));
    assertArrayEquals(
        new int[] {0, 1, 2}, VideoDecoder.frameIndices(3, 3, 1, false, new Random(1)));
  }

  @Test
  void trainWindowIsRandomInsideTheVideoAndSeeded() {
    Set<Integer> starts = new HashSet<>();
    for (int seed = 0; seed < 200; seed++) {
      int[] idx = VideoDecoder.frameIndices(40, 8, 2, true, new Random(seed));
      assertArrayEquals(idx, VideoDecoder.frameIndices(40, 8, 2, true, new Random(seed)));
      for (int i = 1; i < idx.length; i++) assertEquals(2, idx[i] - idx[i - 1]);
      assertTrue(idx[0] >= 0 && idx[7] <= 39);
      starts.add(idx[0]);
    }
    assertEquals(40 - 16 + 1, starts.size(), "every start 0..24 occurs");
  }

  @Test
  void shortVideosLoopPad() {
    // 10 frames, span 8*2 = 16 > 10: indices wrap modulo 10.
    assertArrayEquals(
        new int[] {0, 2, 4, 6, 8, 0, 2, 4},
        VideoDecoder.frameIndices(10, 8, 2, false, new Random(0)));
    for (int seed = 0; seed < 50; seed++) {
      int[] idx = VideoDecoder.frameIndices(5, 6, 3, true, new Random(seed));
      for (int i = 1; i < idx.length; i++) assertEquals((idx[i - 1] + 3) % 5, idx[i]);
    }
    assertArrayEquals(new int[] {0, 0, 0}, VideoDecoder.frameIndices(1, 3, 2, true, new Random(3)));
  }

  @Test
  void rejectsEmptyVideos() {
    assertThrows(
        IllegalArgumentException.class,
        () -> VideoDecoder.frameIndices(0, 8, 2, false, new Random(0)));
  }
}

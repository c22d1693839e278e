package org.sakd.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** How a batch is split over replicas: no replica ever trains on a single clip (batch norm). */
class ReplicaGroupShardTest {

  private static int[] sizes(int n, int r) {
    int[] out = new int[r];
    for (int i = 0; i < r; i++) {
      out[i] = ReplicaGroup.shardStart(n, i + 1, r) - ReplicaGroup.shardStart(n, i, r);
    }
    return out;
  }

  @Test
  void evenBatchesSplitEvenly() {
    assertEquals("[3, 3]", java.util.Arrays.toString(sizes(6, 2)));
    assertEquals("[2, 2, 2]", java.util.Arrays.toString(sizes(6, 3)));
    assertEquals("[6]", java.util.Arrays.toString(sizes(6, 1)));
  }

  @Test
  void aBatchTooSmallForEveryReplicaLeavesSomeOutNeverWithOneClip() {
    assertEquals("[2, 0]", java.util.Arrays.toString(sizes(2, 2)));
    assertEquals("[3, 0]", java.util.Arrays.toString(sizes(3, 2)));
    assertEquals("[2, 3, 0, 0]", java.util.Arrays.toString(sizes(5, 4)));
    for (int r = 1; r <= 8; r++) {
      for (int n = 2; n <= 40; n++) {
        int total = 0;
        for (int s : sizes(n, r)) {
          assertTrue(s == 0 || s >= 2, n + " clips over " + r + " replicas: a shard of " + s);
          total += s;
        }
        assertEquals(n, total, "every clip is trained once");
      }
    }
  }
}

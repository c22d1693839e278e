package org.sakd.sakd;

import java.util.Arrays;

/** Deterministic "best first" orderings used by top-k and by the quality fill. */
final class Ranking {

  private Ranking() {}

  /**
   * The {@code count} ids with the highest score among those not excluded; ties go to the smaller
   * id.
   */
  static int[] descending(double[] score, boolean[] excluded, int count) {
    int n = 0;
    Integer[] ids = new Integer[score.length];
    for (int i = 0; i < score.length; i++) {
      if (excluded == null || !excluded[i]) {
        ids[n++] = i;
      }
    }
    if (count > n) {
      throw new IllegalArgumentException(
          "cannot rank " + count + " ids out of " + n + " candidates");
    }
    Integer[] pool = Arrays.copyOf(ids, n);
    Arrays.sort(
        pool,
        (a, b) -> {
          int byScore = Double.compare(score[b], score[a]);
          return byScore != 0 ? byScore : Integer.compare(a, b);
        });
    int[] out = new int[count];
    for (int i = 0; i < count; i++) {
      out[i] = pool[i];
    }
    return out;
  }
}

package org.sakd.sakd;

import java.util.Random;

/** Chooses the k training samples of one selection round (METHOD.md section 5). */
public interface SubsetSelector {

  /**
   * Returns k distinct sample ids in selection order; {@code rng} drives any randomness (seeded by
   * the caller).
   */
  int[] select(SelectionInput in, int k, Random rng);

  /** Fails with a clear message unless 1 ≤ k ≤ samples. */
  static void checkBudget(SelectionInput in, int k) {
    if (in == null) {
      throw new IllegalArgumentException("selection input must not be null");
    }
    if (k < 1 || k > in.samples()) {
      throw new IllegalArgumentException("budget k must be in [1, " + in.samples() + "], got " + k);
    }
  }
}

package org.sakd.sakd;

import java.util.Random;

/**
 * Uniform random subset of the same budget: the baseline always reported beside SAKD (METHOD.md
 * section 5).
 */
public final class RandomSelector implements SubsetSelector {

  @Override
  public int[] select(SelectionInput in, int k, Random rng) {
    SubsetSelector.checkBudget(in, k);
    return TemporalInterruption.drawWithoutReplacement(in.samples(), k, rng);
  }

  @Override
  public String toString() {
    return "random";
  }
}

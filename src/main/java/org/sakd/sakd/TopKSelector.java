package org.sakd.sakd;

import java.util.Random;

/** The k samples of highest quality q (ties: smaller id), i.e. the DPP objective at γ = 1. */
public final class TopKSelector implements SubsetSelector {

  @Override
  public int[] select(SelectionInput in, int k, Random rng) {
    SubsetSelector.checkBudget(in, k);
    return topK(in.quality(), k);
  }

  static int[] topK(double[] quality, int k) {
    return Ranking.descending(quality, null, k);
  }

  @Override
  public String toString() {
    return "topk";
  }
}

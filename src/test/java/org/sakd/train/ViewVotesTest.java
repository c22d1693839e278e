package org.sakd.train;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class ViewVotesTest {
  @Test
  void averagesTheViewsSoftmax() {
    ViewVotes votes = new ViewVotes(3);
    // sample 7 (label 1): view 0 barely prefers class 0, view 1 strongly prefers class 1 ->
    // averaged: class 1
    votes.add(new int[] {7}, new int[] {1}, new float[] {1.0f, 0.9f, -5f});
    votes.add(new int[] {7}, new int[] {1}, new float[] {0f, 5f, 0f});
    // sample 8 (label 2): one view only, wrong
    votes.add(new int[] {8}, new int[] {2}, new float[] {3f, 0f, 1f});
    TopK t = votes.topK();
    assertEquals(2, t.samples());
    assertEquals(50.0, t.top1(), 1e-9);
    assertEquals(100.0, t.top5(), 1e-9);
  }
}

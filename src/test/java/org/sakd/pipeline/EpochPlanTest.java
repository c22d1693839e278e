package org.sakd.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.sakd.config.Settings;
import org.sakd.data.Sample;
import org.sakd.data.Sampling;

class EpochPlanTest {

  private static Settings settings(String... overrides) {
    return Settings.load(null, List.of(overrides));
  }

  private static List<Sample> samples(int n) {
    List<Sample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(new Sample(i, "s" + i, java.nio.file.Path.of("v" + i + ".avi"), i % 3));
    }
    return out;
  }

  @Test
  void sakdSelectsEveryIntervalAndAnnealsAtTheEnd() {
    Settings s = settings("train.epochs=10", "sakd.interval=3", "sakd.anneal-epochs=2");
    boolean[] selects = new boolean[10];
    boolean[] anneals = new boolean[10];
    for (int e = 0; e < 10; e++) {
      EpochPlan p = EpochPlan.of(s, e, e > 0);
      selects[e] = p.selects();
      anneals[e] = p.annealing();
      assertEquals(p.selects(), p.scores(), "sakd mode scores when it selects");
      assertEquals(!p.annealing(), p.sakdLoss());
      assertEquals(p.annealing(), p.trainsOnAll());
    }
    assertArrayEquals(
        new boolean[] {true, false, false, true, false, false, true, false, false, false}, selects);
    assertArrayEquals(
        new boolean[] {false, false, false, false, false, false, false, false, true, true},
        anneals);
    assertTrue(EpochPlan.of(s, 4, false).selects(), "no subset yet (a resume): select now");
  }

  @Test
  void vanillaTrainsOnAllAndRandomDrawsWithoutScoring() {
    EpochPlan v = EpochPlan.of(settings("distill.mode=vanilla"), 0, false);
    assertFalse(v.selects() || v.scores() || v.sakdLoss());
    assertTrue(v.trainsOnAll());
    List<Sample> train = samples(20);
    assertEquals(20, v.order(train, null).size());
    EpochPlan r = EpochPlan.of(settings("distill.mode=random", "sakd.interval=2"), 2, true);
    assertTrue(r.selects());
    assertFalse(r.scores() || r.sakdLoss(), "the random control uses the base loss");
    assertFalse(
        EpochPlan.of(settings("distill.mode=random", "sakd.interval=2"), 3, true).selects());
  }

  @Test
  void theRandomSubsetIsUniformOfTheBudgetAndSeeded() {
    Settings s = settings("sakd.ratio=0.1");
    EpochPlan p = EpochPlan.of(s, 5, true);
    int[] a = p.randomSubset(200, 0.1);
    assertEquals(20, a.length);
    assertEquals(20, Arrays.stream(a).distinct().count());
    assertTrue(IntStream.range(1, a.length).allMatch(i -> a[i] > a[i - 1]), "ascending");
    assertArrayEquals(a, EpochPlan.of(s, 5, false).randomSubset(200, 0.1), "same epoch, same ids");
    assertFalse(
        Arrays.equals(a, EpochPlan.of(s, 6, true).randomSubset(200, 0.1)),
        "another epoch draws again");
    assertFalse(
        Arrays.equals(a, EpochPlan.of(settings("run.seed=7"), 5, true).randomSubset(200, 0.1)),
        "another run seed draws another subset");
    // uniform: over 4,000 draws of 3 of 10 each id is drawn 1,200 times in expectation
    int[] counts = new int[10];
    Random rng = new Random(3);
    for (int t = 0; t < 4000; t++) {
      for (int id : EpochPlan.randomSubset(10, 3, rng)) {
        counts[id]++;
      }
    }
    double chi2 = 0;
    for (int c : counts) {
      chi2 += (c - 1200.0) * (c - 1200.0) / 1200.0;
    }
    assertTrue(chi2 < 27.9, "chi-square " + chi2 + " (9 dof, p = 0.001)"); // 9 dof, p=0.001
  }

  @Test
  void theOrderIsTheSubsetShuffledBySeedAndClipSeedsFollowSampling() {
    Settings s = settings();
    List<Sample> train = samples(30);
    int[] subset = {2, 5, 7, 11, 13};
    EpochPlan p = EpochPlan.of(s, 1, true);
    List<Sample> order = p.order(train, subset);
    assertEquals(List.of(2, 5, 7, 11, 13), order.stream().map(Sample::index).sorted().toList());
    assertEquals(order, EpochPlan.of(s, 1, true).order(train, subset), "deterministic");
    assertNotEquals(
        order.stream().map(Sample::index).toList(),
        EpochPlan.of(s, 2, true).order(train, subset).stream().map(Sample::index).toList());
    Sample x = train.get(4);
    assertEquals(
        EpochPlan.of(s, 1, true).clipSeed(Sampling.FIXED, x),
        EpochPlan.of(s, 9, true).clipSeed(Sampling.FIXED, x),
        "fixed sampling: the same clip every epoch");
    assertNotEquals(
        EpochPlan.of(s, 1, true).clipSeed(Sampling.RANDOM, x),
        EpochPlan.of(s, 9, true).clipSeed(Sampling.RANDOM, x));
    assertEquals(0.25, EpochPlan.meanAlpha(new int[] {0, 2}, new float[] {0.1f, 9f, 0.4f}), 1e-6);
    assertTrue(Double.isNaN(EpochPlan.meanAlpha(subset, null)));
  }
}

package org.sakd.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Random;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.sakd.proto.SelectionStateProto;
import org.sakd.sakd.Selectors;
import org.sakd.sakd.SubsetSelector;

/** One selection round per whole scoring pass; the state round-trips through GetState / Restore. */
class SelectorActorTest {
  static final ActorTestKit KIT = ActorTestKit.create();
  static final int N = 22, D = 6;
  static final double LAMBDA = 0.1, RATIO = 0.25;

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  private static SubsetSelector dpp() {
    return Selectors.create("dpp", 0.5, 50000, 8);
  }

  /** A pass's scores for all N samples, shuffled and split into three messages of uneven size. */
  private static ScorerActor.Scores[] pass(long seed) {
    Random rng = new Random(seed);
    int[] order = new int[N];
    for (int i = 0; i < N; i++) {
      order[i] = i;
    }
    for (int i = N - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = order[i];
      order[i] = order[j];
      order[j] = t;
    }
    int[] cuts = {0, 7, 15, N};
    ScorerActor.Scores[] out = new ScorerActor.Scores[3];
    for (int m = 0; m < 3; m++) {
      int[] ids = Arrays.copyOfRange(order, cuts[m], cuts[m + 1]);
      double[] kd = new double[ids.length];
      float[] f = new float[ids.length * D];
      for (int j = 0; j < ids.length; j++) {
        kd[j] = rng.nextDouble() * 3;
      }
      for (int j = 0; j < f.length; j++) {
        f[j] = (float) rng.nextGaussian();
      }
      out[m] = new ScorerActor.Scores(ids, kd, f, D);
    }
    return out;
  }

  private static void add(ActorRef<SelectorActor.Command> sel, ScorerActor.Scores[] pass) {
    TestProbe<Done> done = KIT.createTestProbe();
    for (ScorerActor.Scores s : pass) {
      sel.tell(new SelectorActor.Add(s, done.getRef()));
      done.expectMessage(Done.getInstance());
    }
  }

  private static SelectorActor.Selection select(
      ActorRef<SelectorActor.Command> sel, int epoch, double beta, long seed) {
    TestProbe<SelectorActor.Selection> probe = KIT.createTestProbe();
    sel.tell(new SelectorActor.Select(epoch, beta, false, RATIO, seed, probe.getRef()));
    return probe.receiveMessage();
  }

  private static void checkSelection(SelectorActor.Selection s, int epoch) {
    assertEquals(epoch, s.epoch());
    assertEquals(N, s.scored());
    assertEquals(Math.round(RATIO * N), s.selected().length, "k = round(r·N)");
    assertEquals(
        s.selected().length, Arrays.stream(s.selected()).distinct().count(), "distinct ids");
    for (int id : s.selected()) {
      assertTrue(id >= 0 && id < N, "id " + id + " in range");
    }
    assertEquals(N, s.alpha().length);
    assertEquals(N, s.difficulty().length);
    for (int i = 0; i < N; i++) {
      assertTrue(s.alpha()[i] >= 0 && s.alpha()[i] <= 1, "alpha " + s.alpha()[i]);
      assertTrue(s.difficulty()[i] >= 0 && s.difficulty()[i] <= 1, "d " + s.difficulty()[i]);
    }
  }

  @Test
  void aWholePassGivesOneSelectionAndTheStateRestoresIntoAFreshSelector() {
    ActorRef<SelectorActor.Command> first =
        KIT.spawn(SelectorActor.create(N, org.sakd.sakd.SelectionPolicy.code(LAMBDA, 0.5), dpp()));
    add(first, pass(1));
    SelectorActor.Selection s0 = select(first, 0, 0.1, 17);
    checkSelection(s0, 0);

    TestProbe<SelectionStateProto> states = KIT.createTestProbe();
    first.tell(new SelectorActor.GetState(states.getRef()));
    SelectionStateProto saved = states.receiveMessage();
    assertEquals(0, saved.getEpoch());
    assertEquals(1, saved.getRounds());
    assertEquals(s0.selected().length, saved.getSubsetCount());
    assertEquals(
        s0.selected().length, saved.getCountsList().stream().mapToInt(Integer::intValue).sum());

    ActorRef<SelectorActor.Command> second =
        KIT.spawn(SelectorActor.create(N, org.sakd.sakd.SelectionPolicy.code(LAMBDA, 0.5), dpp()));
    TestProbe<Done> done = KIT.createTestProbe();
    second.tell(new SelectorActor.Restore(saved, done.getRef()));
    done.expectMessage(Done.getInstance());
    second.tell(new SelectorActor.GetState(states.getRef()));
    assertEquals(saved, states.receiveMessage(), "the restored state is the saved one");

    ScorerActor.Scores[] next = pass(2);
    add(first, next);
    add(second, next);
    SelectorActor.Selection a = select(first, 1, 0.3, 18);
    SelectorActor.Selection b = select(second, 1, 0.3, 18);
    checkSelection(a, 1);
    assertArrayEquals(a.selected(), b.selected(), "same history, same selection");
    assertArrayEquals(a.alpha(), b.alpha(), 0f);
    assertArrayEquals(a.difficulty(), b.difficulty(), 0.0);
  }

  @Test
  void unscoredSamplesGetTheLowestScoreAndTheCountSaysHowManyWereScored() {
    ActorRef<SelectorActor.Command> sel =
        KIT.spawn(SelectorActor.create(N, org.sakd.sakd.SelectionPolicy.code(LAMBDA, 0.5), dpp()));
    ScorerActor.Scores[] p = pass(3);
    // Leave the last message out: those samples failed to decode.
    add(sel, new ScorerActor.Scores[] {p[0], p[1]});
    TestProbe<SelectorActor.Selection> probe = KIT.createTestProbe();
    sel.tell(new SelectorActor.Select(0, 0.1, false, RATIO, 4, probe.getRef()));
    SelectorActor.Selection s = probe.receiveMessage();
    assertEquals(p[0].ids().length + p[1].ids().length, s.scored());
    assertEquals(Math.round(RATIO * N), s.selected().length);
  }

  @Test
  void selectingWithoutAnyScoreStopsTheSelector() {
    ActorRef<SelectorActor.Command> sel =
        KIT.spawn(SelectorActor.create(N, org.sakd.sakd.SelectionPolicy.code(LAMBDA, 0.5), dpp()));
    TestProbe<SelectorActor.Selection> probe = KIT.createTestProbe();
    sel.tell(new SelectorActor.Select(0, 0.1, false, RATIO, 4, probe.getRef()));
    probe.expectTerminated(sel);
  }
}

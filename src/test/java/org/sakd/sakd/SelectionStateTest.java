package org.sakd.sakd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sakd.proto.SelectionStateProto;

class SelectionStateTest {

  private static final int N = 40;
  private static final int DIM = 6;
  private static final SelectionPolicy CODE = SelectionPolicy.code(0.1, 0.5);

  private static double[] kdTerms(long seed) {
    Random r = new Random(seed);
    double[] l = new double[N];
    for (int i = 0; i < N; i++) {
      l[i] = r.nextDouble() * 3;
    }
    return l;
  }

  private static float[] features(long seed) {
    Random r = new Random(seed);
    float[] f = new float[N * DIM];
    for (int i = 0; i < f.length; i++) {
      f[i] = (float) r.nextGaussian();
    }
    return f;
  }

  @Test
  void twoRoundsUpdateCountsAlphaFeaturesAndSubset() {
    SelectionState state = new SelectionState(N);
    assertNull(state.alpha());
    SubsetSelector dpp = new GreedyDppSelector(0.5);
    SelectionRound r1 =
        state.applyRound(
            0, kdTerms(1), features(1), DIM, 0.0, false, CODE, dpp, 0.1, new Random(1));
    assertEquals(4, r1.selected().length);
    assertArrayEquals(DifficultyScores.normalise(kdTerms(1), new int[N]), r1.difficulty());
    float[] alpha1 = new float[N];
    for (int i = 0; i < N; i++) {
      alpha1[i] = (float) r1.difficulty()[i]; // first round: α = d
    }
    assertArrayEquals(alpha1, state.alpha());
    assertArrayEquals(features(1), state.features());
    int[] counts = new int[N];
    for (int i : r1.selected()) {
      counts[i]++;
    }
    assertArrayEquals(counts, state.counts());

    SelectionRound r2 =
        state.applyRound(
            3, kdTerms(2), features(2), DIM, 0.3, false, CODE, dpp, 0.1, new Random(2));
    double[] d2 = DifficultyScores.normalise(kdTerms(2), counts);
    assertArrayEquals(d2, r2.difficulty());
    for (int i = 0; i < N; i++) {
      assertEquals(0.1 * alpha1[i] + 0.9 * 0.3 * d2[i], state.alpha()[i], 1e-6);
      float fused = 0.1f * features(1)[i * DIM] + 0.9f * features(2)[i * DIM];
      assertEquals(fused, state.features()[i * DIM], 1e-6f);
    }
    assertArrayEquals(
        new GreedyDppSelector(0.5)
            .select(new SelectionInput(state.features(), N, DIM, d2), 4, new Random(2)),
        r2.selected());
    for (int i : r2.selected()) {
      counts[i]++;
    }
    assertArrayEquals(counts, state.counts());
    assertArrayEquals(r2.selected(), state.subset());
    assertEquals(3, state.lastEpoch());
    assertEquals(2, state.rounds());
  }

  @Test
  void protoRoundTripRestoresExactlyAndContinuesIdentically() throws Exception {
    SelectionState state = new SelectionState(N);
    SubsetSelector dpp = new GreedyDppSelector(0.5);
    state.applyRound(0, kdTerms(1), features(1), DIM, 0.0, false, CODE, dpp, 0.1, new Random(1));
    state.applyRound(1, kdTerms(2), features(2), DIM, 0.2, false, CODE, dpp, 0.1, new Random(2));

    SelectionStateProto proto = state.toProto();
    SelectionState restored =
        SelectionState.fromProto(SelectionStateProto.parseFrom(proto.toByteArray()));
    assertEquals(proto, restored.toProto());
    assertArrayEquals(state.counts(), restored.counts());
    assertArrayEquals(state.alpha(), restored.alpha());
    assertArrayEquals(state.features(), restored.features());
    assertArrayEquals(state.subset(), restored.subset());
    assertEquals(state.lastEpoch(), restored.lastEpoch());
    assertEquals(state.rounds(), restored.rounds());

    SelectionRound a =
        state.applyRound(2, kdTerms(3), features(3), DIM, 0.5, true, CODE, dpp, 0.1, new Random(3));
    SelectionRound b =
        restored.applyRound(
            2, kdTerms(3), features(3), DIM, 0.5, true, CODE, dpp, 0.1, new Random(3));
    assertArrayEquals(a.selected(), b.selected());
    assertArrayEquals(a.alpha(), b.alpha());
    assertEquals(state.toProto(), restored.toProto());
  }

  @Test
  void emptyStateRoundTripsAndBadCheckpointsAreRejected() {
    SelectionState empty = new SelectionState(5);
    SelectionState back = SelectionState.fromProto(empty.toProto());
    assertNull(back.alpha());
    assertNull(back.features());
    assertEquals(-1, back.lastEpoch());
    assertThrows(
        IllegalArgumentException.class,
        () -> SelectionState.fromProto(empty.toProto().toBuilder().setSamples(6).build()));
    assertThrows(
        IllegalArgumentException.class,
        () -> SelectionState.fromProto(empty.toProto().toBuilder().setHasAlpha(true).build()));
  }

  @Test
  void rejectsEpochsThatDoNotAdvance() {
    SelectionState state = new SelectionState(N);
    state.applyRound(
        4, kdTerms(1), features(1), DIM, 0.1, false, CODE, new TopKSelector(), 0.1, new Random(1));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            state.applyRound(
                4,
                kdTerms(1),
                features(1),
                DIM,
                0.1,
                false,
                CODE,
                new TopKSelector(),
                0.1,
                new Random(1)));
  }
}

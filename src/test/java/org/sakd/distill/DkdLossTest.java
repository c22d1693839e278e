package org.sakd.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DkdLossTest {

  private static final double TAU = 4.0;
  private NDManager m;

  @BeforeEach
  void open() {
    m = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    m.close();
  }

  private NDArray labels() {
    return m.create(new long[] {0, 2, 0, 1});
  }

  @Test
  void tckdAndNckdMatchTheDecoupledFormulas() {
    NDArray s = Ref.matrix(m, Fixture.STUDENT);
    NDArray t = Ref.matrix(m, Fixture.TEACHER);
    double[] tckd = Ref.vector(DkdLoss.tckd(s, t, labels(), TAU));
    double[] nckd = Ref.vector(DkdLoss.nckd(s, t, labels(), TAU));
    for (int i = 0; i < tckd.length; i++) {
      int y = Fixture.LABELS[i];
      Ref.assertClose(
          Ref.tckd(Fixture.STUDENT[i], Fixture.TEACHER[i], y, TAU), tckd[i], 1e-4, "TCKD " + i);
      Ref.assertClose(
          Ref.nckd(Fixture.STUDENT[i], Fixture.TEACHER[i], y, TAU), nckd[i], 1e-4, "NCKD " + i);
    }
  }

  @Test
  void distillerAppliesWeightsAndWarmUp() {
    Distiller dkd = Distillers.create("dkd", Distillers.defaults("dkd"));
    dkd.initialize(m, 8, 8, 5);
    ParameterStore ps = new ParameterStore(m, false);
    for (int epoch : new int[] {0, 9, 19, 40}) {
      double warm = Math.min((epoch + 1) / 20.0, 1.0);
      double[] kd = Ref.vector(dkd.losses(KdLossTest.input(m, epoch), ps).kd());
      for (int i = 0; i < kd.length; i++) {
        int y = Fixture.LABELS[i];
        double expected =
            warm
                * (1.0 * Ref.tckd(Fixture.STUDENT[i], Fixture.TEACHER[i], y, TAU)
                    + 8.0 * Ref.nckd(Fixture.STUDENT[i], Fixture.TEACHER[i], y, TAU));
        Ref.assertClose(expected, kd[i], 1e-4, "DKD epoch " + epoch + " row " + i);
      }
    }
    assertEquals(1.0, dkd.ceWeight());
  }

  @Test
  void warmUpCountsEpochsLikeMdistiller() {
    assertEquals(1.0 / 20, WarmUp.factor(0, 20), 1e-12);
    assertEquals(0.5, WarmUp.factor(9, 20), 1e-12);
    assertEquals(1.0, WarmUp.factor(19, 20), 1e-12);
    assertEquals(1.0, WarmUp.factor(100, 20), 1e-12);
  }

  @Test
  void gradientMatchesFiniteDifferences() {
    double[] x0 = Ref.flatten(Fixture.STUDENT);
    double[] expected =
        Ref.gradient(
            x -> {
              double[][] s = Ref.unflatten(x, 5);
              double sum = 0;
              for (int i = 0; i < s.length; i++) {
                int y = Fixture.LABELS[i];
                sum +=
                    Ref.tckd(s[i], Fixture.TEACHER[i], y, TAU)
                        + 8.0 * Ref.nckd(s[i], Fixture.TEACHER[i], y, TAU);
              }
              return sum;
            },
            x0,
            1e-5);
    NDArray s = Ref.matrix(m, Fixture.STUDENT);
    s.setRequiresGradient(true);
    NDArray t = Ref.matrix(m, Fixture.TEACHER);
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      gc.backward(DkdLoss.perSample(s, t, labels(), TAU, 1.0, 8.0).sum());
      Ref.assertClose(expected, Ref.flatten(Ref.rows(s.getGradient())), 1e-3, "dDKD/ds");
    }
  }

  @Test
  void confidentTargetStaysFinite() {
    // p_t rounds to 1 in float: log(1 − p_t) must not become −inf.
    NDArray s = Ref.matrix(m, new double[][] {{200, 0, 0}});
    NDArray t = Ref.matrix(m, new double[][] {{1, 0, 0}});
    double v = Ref.vector(DkdLoss.tckd(s, t, m.create(new long[] {0}), 1.0))[0];
    assertEquals(true, Double.isFinite(v), "TCKD is " + v);
  }
}

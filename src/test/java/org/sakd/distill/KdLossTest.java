package org.sakd.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class KdLossTest {

  private NDManager m;

  @BeforeEach
  void open() {
    m = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    m.close();
  }

  @Test
  void perSampleMatchesHintonFormula() {
    NDArray s = Ref.matrix(m, Fixture.STUDENT);
    NDArray t = Ref.matrix(m, Fixture.TEACHER);
    double[] got = Ref.vector(KdLoss.perSample(s, t, 4.0));
    assertEquals(Fixture.STUDENT.length, got.length);
    for (int i = 0; i < got.length; i++) {
      Ref.assertClose(
          Ref.kd(Fixture.STUDENT[i], Fixture.TEACHER[i], 4.0), got[i], 1e-4, "KD row " + i);
    }
  }

  @Test
  void identicalLogitsGiveZero() {
    NDArray s = Ref.matrix(m, Fixture.TEACHER);
    for (double v : Ref.vector(KdLoss.perSample(s, s.duplicate(), 2.0))) {
      assertEquals(0.0, v, 1e-6);
    }
  }

  @Test
  void crossEntropyMatchesReference() {
    NDArray s = Ref.matrix(m, Fixture.STUDENT);
    double[] got = Ref.vector(CrossEntropy.perSample(s, m.create(new long[] {0, 2, 0, 1})));
    for (int i = 0; i < got.length; i++) {
      Ref.assertClose(Ref.ce(Fixture.STUDENT[i], Fixture.LABELS[i]), got[i], 1e-5, "CE row " + i);
    }
  }

  @Test
  void labelsOutOfRangeAreRejected() {
    NDArray s = Ref.matrix(m, Fixture.STUDENT);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> CrossEntropy.perSample(s, m.create(new long[] {0, 5, 0, 1})));
    assertEquals(true, e.getMessage().contains("labels"));
  }

  @Test
  void distillerWeighsTheKdTerm() {
    Distiller kd = Distillers.create("kd", Distillers.defaults("kd"));
    kd.initialize(m, 8, 8, 5);
    DistillLosses l = kd.losses(input(m, 0), new ParameterStore(m, false));
    double[] ce = Ref.vector(l.ce());
    double[] kdv = Ref.vector(l.kd());
    for (int i = 0; i < ce.length; i++) {
      Ref.assertClose(Ref.ce(Fixture.STUDENT[i], Fixture.LABELS[i]), ce[i], 1e-5, "ce");
      Ref.assertClose(
          0.9 * Ref.kd(Fixture.STUDENT[i], Fixture.TEACHER[i], 4.0), kdv[i], 1e-4, "kd");
    }
    assertEquals(0.1, kd.ceWeight());
  }

  @Test
  void gradientMatchesFiniteDifferences() {
    double tau = 4.0;
    double[] x0 = Ref.flatten(Fixture.STUDENT);
    double[] expected =
        Ref.gradient(
            x -> {
              double[][] s = Ref.unflatten(x, 5);
              double sum = 0;
              for (int i = 0; i < s.length; i++) {
                sum += Ref.kd(s[i], Fixture.TEACHER[i], tau);
              }
              return sum;
            },
            x0,
            1e-5);
    NDArray s = Ref.matrix(m, Fixture.STUDENT);
    s.setRequiresGradient(true);
    NDArray t = Ref.matrix(m, Fixture.TEACHER);
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      gc.backward(KdLoss.perSample(s, t, tau).sum());
      Ref.assertClose(expected, Ref.flatten(Ref.rows(s.getGradient())), 1e-3, "dKD/ds");
    }
  }

  /** The fixture as a DistillInput with no features (enough for the logit-only methods). */
  static DistillInput input(NDManager m, int epoch) {
    return new DistillInput(
        Ref.matrix(m, Fixture.STUDENT),
        null,
        Ref.matrix(m, Fixture.TEACHER),
        null,
        m.create(new long[] {0, 2, 0, 1}),
        null,
        null,
        epoch,
        true);
  }
}

package org.sakd.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CtkdDistillerTest {

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
  void gradientReversalIsIdentityForwardAndMinusLambdaBackward() {
    NDArray x = m.create(new float[] {1.5f, -2f, 0.25f});
    x.setRequiresGradient(true);
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray y = GradientReversal.apply(x, 0.7);
      Ref.assertClose(
          new double[] {1.5, -2, 0.25}, Ref.vector(y), 0, "forward is exactly the identity");
      gc.backward(y.mul(m.create(new float[] {1f, 2f, 3f})).sum());
      Ref.assertClose(
          new double[] {-0.7, -1.4, -2.1}, Ref.vector(x.getGradient()), 1e-6, "backward");
    }
  }

  @Test
  void reversalStrengthRisesWithACosineOverTheRamp() {
    assertEquals(0.0, GradientReversal.strength(0, 10), 1e-12);
    assertEquals(0.5, GradientReversal.strength(5, 10), 1e-12);
    assertEquals(0.5 * (1 - Math.cos(Math.PI * 0.2)), GradientReversal.strength(2, 10), 1e-12);
    assertEquals(1.0, GradientReversal.strength(10, 10), 1e-12);
    assertEquals(1.0, GradientReversal.strength(50, 10), 1e-12);
  }

  @Test
  void lossUsesTheInitialTemperature() {
    Distiller ctkd = Distillers.create("ctkd", Distillers.defaults("ctkd"));
    ctkd.initialize(m, 8, 8, 5);
    DistillLosses l = ctkd.losses(KdLossTest.input(m, 3), new ParameterStore(m, false));
    double[] kd = Ref.vector(l.kd());
    double[] tau = Ref.vector(l.terms().get("temperature"));
    for (int i = 0; i < kd.length; i++) {
      Ref.assertClose(4.0, tau[i], 1e-5, "initial temperature");
      Ref.assertClose(
          0.9 * Ref.kd(Fixture.STUDENT[i], Fixture.TEACHER[i], 4.0), kd[i], 1e-4, "kd " + i);
    }
  }

  @Test
  void oneSgdStepMovesTheTemperatureToIncreaseTheKdLoss() {
    Distiller ctkd = Distillers.create("ctkd", Distillers.defaults("ctkd"));
    ctkd.initialize(m, 8, 8, 5);
    Parameter t = ctkd.extras().getParameters().valueAt(0);
    double t0 = t.getArray().getFloat(0);
    double tau0 = 1 + 19 / (1 + Math.exp(-t0));
    double lossBefore = totalKd(tau0);

    double grad;
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      DistillLosses l = ctkd.losses(KdLossTest.input(m, 12), new ParameterStore(m, false));
      gc.backward(l.kd().mean());
      grad = t.getArray().getGradient().getFloat(0);
    }
    // The plain (un-reversed) derivative of the loss w.r.t. t, by central differences.
    double h = 1e-4;
    double plain = (meanKd(t0 + h) - meanKd(t0 - h)) / (2 * h);
    assertTrue(Math.abs(plain) > 1e-4, "fixture must make the KD loss depend on τ");
    Ref.assertClose(-plain, grad, 2e-3, "reversed gradient at λ = 1");

    double lr = 0.5;
    double t1 = t0 - lr * grad;
    double tau1 = 1 + 19 / (1 + Math.exp(-t1));
    assertTrue(
        totalKd(tau1) > lossBefore,
        "KD loss must rise after the step: " + lossBefore + " -> " + totalKd(tau1));
  }

  @Test
  void noTemperatureGradientAtEpochZero() {
    Distiller ctkd = Distillers.create("ctkd", Distillers.defaults("ctkd"));
    ctkd.initialize(m, 8, 8, 5);
    Parameter t = ctkd.extras().getParameters().valueAt(0);
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      gc.backward(ctkd.losses(KdLossTest.input(m, 0), new ParameterStore(m, false)).kd().mean());
      NDArray g = t.getArray().getGradient();
      assertNotNull(g);
      assertEquals(0.0, g.getFloat(0), 1e-9);
    }
  }

  @Test
  void initialTemperatureOutsideTheRangeIsRejected() {
    DistillSettings s = new DistillSettings(25.0, 0.1, 0.9, Distillers.defaults("ctkd").extra());
    assertThrows(IllegalArgumentException.class, () -> Distillers.create("ctkd", s));
  }

  private static double meanKd(double t) {
    return 0.9 * totalKd(1 + 19 / (1 + Math.exp(-t))) / Fixture.STUDENT.length;
  }

  private static double totalKd(double tau) {
    double sum = 0;
    for (int i = 0; i < Fixture.STUDENT.length; i++) {
      sum += Ref.kd(Fixture.STUDENT[i], Fixture.TEACHER[i], tau);
    }
    return sum;
  }
}

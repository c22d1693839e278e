package org.sakd.distill;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DualKdDistillerTest {

  private NDManager m;

  @BeforeEach
  void open() {
    m = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    m.close();
  }

  /** Sinkhorn in the plain (non-log) domain, double precision: u = a/(Kv), v = b/(Kᵀu). */
  static double[] referenceOt(double[][] x, double[][] y, double eps, int iterations) {
    int n = x.length;
    double[][] c = new double[n][n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        double dot = 0;
        double nx = 0;
        double ny = 0;
        for (int k = 0; k < x[i].length; k++) {
          dot += x[i][k] * y[j][k];
          nx += x[i][k] * x[i][k];
          ny += y[j][k] * y[j][k];
        }
        c[i][j] = 1 - dot / (Math.sqrt(nx) * Math.sqrt(ny));
      }
    }
    double[] u = new double[n];
    double[] v = new double[n];
    java.util.Arrays.fill(v, 1.0);
    for (int it = 0; it < iterations; it++) {
      for (int i = 0; i < n; i++) {
        double s = 0;
        for (int j = 0; j < n; j++) {
          s += Math.exp(-c[i][j] / eps) * v[j];
        }
        u[i] = (1.0 / n) / s;
      }
      for (int j = 0; j < n; j++) {
        double s = 0;
        for (int i = 0; i < n; i++) {
          s += Math.exp(-c[i][j] / eps) * u[i];
        }
        v[j] = (1.0 / n) / s;
      }
    }
    double[] row = new double[n];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < n; j++) {
        row[i] += n * u[i] * Math.exp(-c[i][j] / eps) * v[j] * c[i][j];
      }
    }
    return row;
  }

  @Test
  void sinkhornRowsMatchThePlainDomainReference() {
    double[][] x = CrossKdDistillerTest.STUDENT_FEATURE;
    double[][] y = CrossKdDistillerTest.TEACHER_FEATURE;
    double[] got =
        Ref.vector(SinkhornDistance.perSample(Ref.matrix(m, x), Ref.matrix(m, y), 0.1, 20));
    Ref.assertClose(referenceOt(x, y, 0.1, 20), got, 1e-4, "OT rows");
  }

  @Test
  void transportPlanHasUniformMarginals() {
    NDArray cost =
        SinkhornDistance.cosineCost(
            Ref.matrix(m, CrossKdDistillerTest.STUDENT_FEATURE),
            Ref.matrix(m, CrossKdDistillerTest.TEACHER_FEATURE));
    NDArray plan = SinkhornDistance.transportPlan(cost, 0.1, 200);
    double[] cols = Ref.vector(plan.sum(new int[] {0}));
    double[] rows = Ref.vector(plan.sum(new int[] {1}));
    for (int i = 0; i < 4; i++) {
      Ref.assertClose(0.25, cols[i], 1e-5, "column mass");
      Ref.assertClose(0.25, rows[i], 1e-4, "row mass");
    }
  }

  @Test
  void lossIsLogitKdPlusOtOfTheProjectedFeature() {
    Distiller dual = Distillers.create("dualkd", Distillers.defaults("dualkd"));
    dual.initialize(m, 3, 3, 5);
    Block projection = dual.extras();
    double[][] w = Ref.rows(projection.getParameters().get("weight").getArray());
    double[] b = Ref.vector(projection.getParameters().get("bias").getArray());
    double[][] projected = new double[4][];
    for (int i = 0; i < 4; i++) {
      projected[i] = Ref.affine(w, b, CrossKdDistillerTest.STUDENT_FEATURE[i]);
    }
    double[] ot = referenceOt(projected, CrossKdDistillerTest.TEACHER_FEATURE, 0.1, 20);

    NDArray fs = Ref.matrix(m, CrossKdDistillerTest.STUDENT_FEATURE);
    fs.setRequiresGradient(true);
    DistillInput in =
        new DistillInput(
            Ref.matrix(m, Fixture.STUDENT),
            fs,
            Ref.matrix(m, Fixture.TEACHER),
            Ref.matrix(m, CrossKdDistillerTest.TEACHER_FEATURE),
            m.create(new long[] {0, 2, 0, 1}),
            null,
            null,
            0,
            true);
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      DistillLosses l = dual.losses(in, new ParameterStore(m, false));
      double[] kd = Ref.vector(l.kd());
      for (int i = 0; i < 4; i++) {
        double expected = 0.9 * Ref.kd(Fixture.STUDENT[i], Fixture.TEACHER[i], 4.0) + ot[i];
        Ref.assertClose(expected, kd[i], 1e-4, "DualKD row " + i);
      }
      gc.backward(l.kd().mean());
      assertTrue(
          projection.getParameters().get("weight").getArray().getGradient().abs().sum().getFloat()
              > 1e-6,
          "projection is trained by the OT term");
      assertTrue(fs.getGradient().abs().sum().getFloat() > 1e-6, "student feature gets a gradient");
    }
  }

  @Test
  void missingFeatureIsReported() {
    Distiller dual = Distillers.create("dualkd", Distillers.defaults("dualkd"));
    dual.initialize(m, 3, 3, 5);
    assertThrows(
        IllegalArgumentException.class,
        () -> dual.losses(KdLossTest.input(m, 0), new ParameterStore(m, false)));
  }
}

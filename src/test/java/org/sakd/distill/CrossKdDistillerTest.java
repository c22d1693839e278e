package org.sakd.distill;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.nn.core.Linear;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class CrossKdDistillerTest {

  static final double[][] STUDENT_FEATURE = {
    {0.5, 1.0, -0.2},
    {1.5, 0.1, 0.3},
    {-0.4, 0.8, 1.1},
    {0.9, -1.2, 0.0},
  };
  static final double[][] TEACHER_FEATURE = {
    {2.0, 0.1, 1.3},
    {0.4, 1.9, -0.5},
    {1.1, 0.7, 0.6},
    {-0.3, 2.4, 0.2},
  };
  static final double[][] HEAD_W = {
    {0.3, -0.2, 0.5},
    {-0.1, 0.4, 0.2},
    {0.6, 0.1, -0.3},
    {0.0, -0.5, 0.4},
    {0.2, 0.2, 0.2},
  };
  static final double[] HEAD_B = {0.1, -0.2, 0.0, 0.3, -0.1};

  private NDManager m;

  @BeforeEach
  void open() {
    m = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    m.close();
  }

  private DistillInput input(NDArray studentFeature, NDArray headW, NDArray headB) {
    return new DistillInput(
        Ref.matrix(m, Fixture.STUDENT),
        studentFeature,
        Ref.matrix(m, Fixture.TEACHER),
        Ref.matrix(m, TEACHER_FEATURE),
        m.create(new long[] {0, 2, 0, 1}),
        headW,
        headB,
        0,
        true);
  }

  private NDArray headBias() {
    float[] b = new float[HEAD_B.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (float) HEAD_B[i];
    }
    return m.create(b);
  }

  /** The cross-head logits computed independently in double. */
  static double[][] referenceCrossLogits(double[][] fs) {
    int n = fs.length;
    int d = fs[0].length;
    double[][] fhat = new double[n][d];
    for (int j = 0; j < d; j++) {
      double ms = 0;
      double mt = 0;
      for (int i = 0; i < n; i++) {
        ms += fs[i][j] / n;
        mt += TEACHER_FEATURE[i][j] / n;
      }
      double vs = 0;
      double vt = 0;
      for (int i = 0; i < n; i++) {
        vs += Math.pow(fs[i][j] - ms, 2) / n;
        vt += Math.pow(TEACHER_FEATURE[i][j] - mt, 2) / n;
      }
      for (int i = 0; i < n; i++) {
        fhat[i][j] = (fs[i][j] - ms) / Math.sqrt(vs + 1e-5) * Math.sqrt(vt + 1e-5) + mt;
      }
    }
    double[][] z = new double[n][];
    for (int i = 0; i < n; i++) {
      z[i] = Ref.affine(HEAD_W, HEAD_B, fhat[i]);
    }
    return z;
  }

  @Test
  void kdIsBetweenCrossHeadAndTeacherLogits() {
    Distiller crosskd = Distillers.create("crosskd", Distillers.defaults("crosskd"));
    crosskd.initialize(m, 3, 3, 5);
    assertNull(crosskd.extras(), "equal widths need no projection");
    DistillLosses l =
        crosskd.losses(
            input(Ref.matrix(m, STUDENT_FEATURE), Ref.matrix(m, HEAD_W), headBias()),
            new ParameterStore(m, false));
    double[][] cross = referenceCrossLogits(STUDENT_FEATURE);
    double[] kd = Ref.vector(l.kd());
    double[] ce = Ref.vector(l.ce());
    for (int i = 0; i < kd.length; i++) {
      Ref.assertClose(
          0.9 * Ref.kd(cross[i], Fixture.TEACHER[i], 4.0), kd[i], 1e-4, "cross KD " + i);
      Ref.assertClose(Ref.ce(Fixture.STUDENT[i], Fixture.LABELS[i]), ce[i], 1e-5, "ce " + i);
    }
  }

  @Test
  void gradientFlowsThroughTheFrozenHeadIntoTheStudent() {
    Distiller crosskd = Distillers.create("crosskd", Distillers.defaults("crosskd"));
    crosskd.initialize(m, 3, 3, 5);
    // A student "backbone" layer producing the pooled feature.
    Linear backbone = Linear.builder().setUnits(3).build();
    backbone.initialize(m, DataType.FLOAT32, new Shape(1, 3));
    for (Pair<String, Parameter> p : backbone.getParameters()) {
      p.getValue().getArray().setRequiresGradient(true);
    }
    NDArray headW = Ref.matrix(m, HEAD_W);
    NDArray headB = headBias();
    ParameterStore ps = new ParameterStore(m, false);
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray fs = backbone.forward(ps, new NDList(Ref.matrix(m, STUDENT_FEATURE)), true).head();
      DistillLosses l = crosskd.losses(input(fs, headW, headB), ps);
      gc.backward(l.kd().mean());
      NDArray g = backbone.getParameters().get("weight").getArray().getGradient();
      assertTrue(
          g.abs().sum().getFloat() > 1e-6, "student weight gets a gradient through the head");
    }
    assertFalse(headW.hasGradient(), "frozen head weight gets no gradient");
    assertFalse(headB.hasGradient(), "frozen head bias gets no gradient");
  }

  @Test
  void differentWidthsAddATrainedProjection() {
    Distiller crosskd = Distillers.create("crosskd", Distillers.defaults("crosskd"));
    crosskd.initialize(m, 2, 3, 5);
    assertNotNull(crosskd.extras());
    NDArray fs = Ref.matrix(m, new double[][] {{0.1, 0.2}, {0.5, -0.3}, {1.0, 0.0}, {-0.2, 0.4}});
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      DistillLosses l =
          crosskd.losses(
              input(fs, Ref.matrix(m, HEAD_W), headBias()), new ParameterStore(m, false));
      gc.backward(l.kd().mean());
      for (Pair<String, Parameter> p : crosskd.extras().getParameters()) {
        if (p.getKey().equals("weight")) {
          assertTrue(p.getValue().getArray().getGradient().abs().sum().getFloat() > 1e-6);
        }
      }
    }
  }

  @Test
  void missingHeadIsReported() {
    Distiller crosskd = Distillers.create("crosskd", Distillers.defaults("crosskd"));
    crosskd.initialize(m, 3, 3, 5);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                crosskd.losses(
                    input(Ref.matrix(m, STUDENT_FEATURE), null, null),
                    new ParameterStore(m, false)));
    assertTrue(e.getMessage().contains("head"));
  }
}

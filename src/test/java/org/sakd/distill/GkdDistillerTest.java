package org.sakd.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class GkdDistillerTest {

  private NDManager m;

  @BeforeEach
  void open() {
    m = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    m.close();
  }

  private Distiller small() {
    DistillSettings s =
        Distillers.defaults("gkd").withExtra("hiddenDim", 6).withExtra("latentDim", 2);
    Distiller gkd = Distillers.create("gkd", s);
    gkd.initialize(m, 3, 3, 5);
    return gkd;
  }

  private DistillInput input(NDArray fs, int epoch, boolean training) {
    return new DistillInput(
        Ref.matrix(m, Fixture.STUDENT),
        fs,
        Ref.matrix(m, Fixture.TEACHER),
        Ref.matrix(m, CrossKdDistillerTest.TEACHER_FEATURE),
        m.create(new long[] {0, 2, 0, 1}),
        null,
        null,
        epoch,
        training);
  }

  private static Block child(Block generator, String suffix) {
    for (Pair<String, Block> c : generator.getChildren()) {
      if (c.getKey().endsWith(suffix)) {
        return c.getValue();
      }
    }
    throw new AssertionError("no child " + suffix);
  }

  private static double[] layer(Block generator, String name, double[] x) {
    Block b = child(generator, name);
    return Ref.affine(
        Ref.rows(b.getParameters().get("weight").getArray()),
        Ref.vector(b.getParameters().get("bias").getArray()),
        x);
  }

  @Test
  void evaluationLossMatchesTheGeneratorComputedInDouble() {
    Distiller gkd = small();
    Block g = gkd.extras();
    int epoch = 4;
    double warm = (epoch + 1) / 20.0;
    double[] kd =
        Ref.vector(
            gkd.losses(
                    input(Ref.matrix(m, CrossKdDistillerTest.STUDENT_FEATURE), epoch, false),
                    new ParameterStore(m, false))
                .kd());
    for (int i = 0; i < 4; i++) {
      double[] fs = CrossKdDistillerTest.STUDENT_FEATURE[i];
      double[] ft = CrossKdDistillerTest.TEACHER_FEATURE[i];
      double[] h = Ref.relu(layer(g, "encoderHidden", Ref.concat(ft, fs)));
      double[] mu = layer(g, "encoderMean", h);
      double[] logVar = layer(g, "encoderLogVariance", h);
      double[] d = Ref.relu(layer(g, "decoderHidden", Ref.concat(new double[mu.length], fs)));
      double[] rec = layer(g, "decoderOutput", d);
      double mse = 0;
      for (int k = 0; k < ft.length; k++) {
        mse += Math.pow(rec[k] - ft[k], 2) / ft.length;
      }
      double kl = 0;
      for (int k = 0; k < mu.length; k++) {
        kl += -0.5 * (1 + logVar[k] - mu[k] * mu[k] - Math.exp(logVar[k])) / mu.length;
      }
      double expected =
          0.9 * Ref.kd(Fixture.STUDENT[i], Fixture.TEACHER[i], 4.0) + warm * (mse + 0.01 * kl);
      Ref.assertClose(expected, kd[i], 1e-4, "GKD row " + i);
    }
  }

  @Test
  void trainingSendsGradientsToGeneratorAndStudentFeature() {
    Engine.getInstance().setRandomSeed(7);
    Distiller gkd = small();
    NDArray fs = Ref.matrix(m, CrossKdDistillerTest.STUDENT_FEATURE);
    fs.setRequiresGradient(true);
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      DistillLosses l = gkd.losses(input(fs, 30, true), new ParameterStore(m, false));
      assertEquals(3, l.terms().size());
      gc.backward(l.kd().mean());
      assertTrue(fs.getGradient().abs().sum().getFloat() > 1e-6, "student feature gets a gradient");
      int withGradient = 0;
      for (Pair<String, ai.djl.nn.Parameter> p : gkd.extras().getParameters()) {
        if (p.getValue().getArray().getGradient().abs().sum().getFloat() > 0) {
          withGradient++;
        }
      }
      assertTrue(
          withGradient >= 8, "most generator parameters train, got " + withGradient + " of 10");
    }
  }
}

package org.sakd.distill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every base method under SAKD's loss gives the same gradient whether or not the garbage collector
 * runs between the forward and the backward pass (ScalarOperandTest shows why it once did not: the
 * NaN runs of issue 7).
 */
class GradientSurvivesCollectionTest {
  private static final int N = 4;
  private static final int K = 5;
  private static final int D = 3;

  static java.util.List<String> methods() {
    return Distillers.names();
  }

  private static float[] random(int n, long seed) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  /** Gradient w.r.t. the student logits and features, concatenated. */
  private static float[] gradient(String method, boolean collect) throws InterruptedException {
    try (NDManager m = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(7);
      Distiller d = Distillers.create(method, Distillers.defaults(method));
      d.initialize(m, D, D, K);
      d.onEpochStart(30, 50);
      NDArray s = m.create(random(N * K, 1), new Shape(N, K));
      NDArray fs = m.create(random(N * D, 2), new Shape(N, D));
      s.setRequiresGradient(true);
      fs.setRequiresGradient(true);
      DistillInput in =
          new DistillInput(
              s,
              fs,
              m.create(random(N * K, 3), new Shape(N, K)),
              m.create(random(N * D, 4), new Shape(N, D)),
              m.create(new long[] {0, 2, 4, 1}),
              m.create(random(K * D, 5), new Shape(K, D)),
              m.create(random(K, 6), new Shape(K)),
              30,
              true);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        long before = ScalarOperandTest.directBuffers();
        NDArray loss =
            SakdLoss.sakd(
                d.losses(in, new ParameterStore(m, false)),
                m.create(new float[] {0.1f, 0.4f, 0.6f, 0.9f}),
                d.ceWeight(),
                Supervisor.GT_AND_TEACHER);
        if (collect) {
          ScalarOperandTest.collectDirectBuffers(before);
        }
        gc.backward(loss);
      }
      float[] a = s.getGradient().toFloatArray();
      float[] b = fs.getGradient().toFloatArray();
      float[] out = java.util.Arrays.copyOf(a, a.length + b.length);
      System.arraycopy(b, 0, out, a.length, b.length);
      return out;
    }
  }

  @ParameterizedTest
  @MethodSource("methods")
  void gradientIsTheSameAfterACollection(String method) throws InterruptedException {
    float[] plain = gradient(method, false);
    float[] collected = gradient(method, true);
    for (float v : plain) {
      assertTrue(Float.isFinite(v), method + " gradient is not finite without a collection");
    }
    assertArrayEquals(plain, collected, 0f, method);
  }
}

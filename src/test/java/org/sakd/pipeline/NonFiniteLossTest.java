package org.sakd.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sakd.data.Clip;
import org.sakd.distill.Distillers;
import org.sakd.distill.Supervisor;
import org.sakd.train.Network;
import org.sakd.train.NonFiniteLossException;
import org.sakd.train.StudentReplica;

/**
 * A NaN in a training step's inputs stops the step before backward: the parameters stay as they
 * were.
 */
class NonFiniteLossTest {
  static final int C = 3, T = 4, H = 8, W = 8, K = 5, B = 4, D = 16;

  private static float[] params(StudentReplica r) {
    List<float[]> parts = new ArrayList<>();
    int n = 0;
    for (var p : r.student().block().getParameters()) {
      float[] v = p.getValue().getArray().toFloatArray();
      parts.add(v);
      n += v.length;
    }
    float[] all = new float[n];
    int off = 0;
    for (float[] v : parts) {
      System.arraycopy(v, 0, all, off, v.length);
      off += v.length;
    }
    return all;
  }

  @Test
  void aNanTeacherRowStopsTheStepBeforeBackward() {
    Random rng = new Random(5);
    try (NDManager m = NDManager.newBaseManager()) {
      Engine.getInstance().setRandomSeed(3);
      Network net = Network.of(new LinearNet(new Shape(C, T, H, W), K), m);
      StudentReplica r =
          new StudentReplica(
              net, Distillers.create("kd", null), Supervisor.GT_AND_TEACHER, D, 0.9, 5e-4, false);
      List<Clip> clips = new ArrayList<>();
      for (int i = 0; i < B; i++) {
        float[] x = new float[C * T * H * W];
        for (int j = 0; j < x.length; j++) {
          x[j] = (float) rng.nextGaussian();
        }
        clips.add(new Clip(x, C, T, H, W));
      }
      int[] labels = {0, 1, 2, 3};
      float[] logits = new float[B * K];
      float[] feats = new float[B * D];
      float[] alpha = new float[B];
      Arrays.fill(alpha, 0.5f);
      StudentReplica.TeacherRows good = new StudentReplica.TeacherRows(logits, K, feats, D);
      assertTrue(Double.isFinite(r.backward(clips, labels, good, alpha)));
      r.applyStep(0.1);
      float[] before = params(r);
      float[] bad = logits.clone();
      bad[2] = Float.NaN;
      NonFiniteLossException e =
          assertThrows(
              NonFiniteLossException.class,
              () ->
                  r.backward(
                      clips, labels, new StudentReplica.TeacherRows(bad, K, feats, D), alpha));
      assertTrue(e.getMessage().contains("not finite"), e.getMessage());
      assertTrue(
          e.getMessage().contains("teacher logits 1 NaN/0 Inf of")
              && e.getMessage().contains("input finite")
              && e.getMessage().contains("non-finite parameters: none"),
          e.getMessage());
      assertArrayEquals(before, params(r));
      // the refused step left no gradient behind: the last applied step cleared them and nothing
      // was added
      for (var p : r.student().block().getParameters()) {
        if (p.getValue().requiresGradient()) {
          try (var g = p.getValue().getArray().getGradient()) {
            for (float v : g.toFloatArray()) {
              assertEquals(0f, v, 0f, p.getKey()); // zero of either sign (g·0 keeps the sign)
            }
          }
        }
      }
      r.applyStep(0.1); // whatever a caller does next, no NaN reaches the parameters
      for (float v : params(r)) {
        assertTrue(Float.isFinite(v));
      }
      r.close();
    }
  }
}

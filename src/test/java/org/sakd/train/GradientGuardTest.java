package org.sakd.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The optimizer finds non-finite gradients by name and clears them with a fill (a multiplication by
 * 0 would keep a NaN), which the replica's recompute-once guard relies on.
 */
class GradientGuardTest {
  @Test
  void aNanGradientIsNamedAndClearedToZero() {
    try (NDManager root = NDManager.newBaseManager();
        Network net = Network.create("r3d-micro", 3, root, 1)) {
      SgdOptimizer opt = new SgdOptimizer(net.trainable(), 0.9, 0, false, root);
      String first = net.trainable().get(0).getKey();
      NDArray w = net.trainable().get(0).getValue().getArray();
      // one backward, so every parameter holds a gradient of its own
      try (NDManager scope = root.newSubManager();
          ai.djl.training.GradientCollector gc =
              ai.djl.engine.Engine.getInstance().newGradientCollector()) {
        gc.backward(net.forward(scope.ones(net.classifier().inputShape(2)), true).get(0).sum());
      }
      GradMode.off();
      try (NDArray g = w.getGradient()) {
        g.set(new NDIndex("..."), Float.NaN);
      }
      assertEquals(List.of(first), opt.nonFiniteGradients());
      opt.zeroGradients();
      assertTrue(opt.nonFiniteGradients().isEmpty());
      try (NDArray g = w.getGradient();
          NDArray s = g.abs().sum()) {
        assertEquals(0f, s.getFloat());
      }
      opt.close();
    }
  }
}

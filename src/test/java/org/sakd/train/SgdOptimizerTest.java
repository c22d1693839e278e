package org.sakd.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.util.Pair;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The fused SGD step against torch.optim.SGD: three steps with momentum 0.9, weight decay 0.01 and
 * a changing learning rate (0.1, 0.05, 0.02) on loss = Σ w² + Σ c·w (gradient 2w + c) over a
 * 3-vector and a 2×2 matrix. The expected numbers were printed by torch.optim.SGD (torch 1.13.1
 * from Debian, float32) with the script in the test's comment below; CI needs no Python.
 *
 * <pre>
 * w1 = torch.tensor([1.0, -2.0, 0.5], requires_grad=True)
 * w2 = torch.tensor([[0.3, -0.7], [1.5, 0.0]], requires_grad=True)
 * c1 = torch.tensor([0.1, 0.2, -0.3]); c2 = torch.tensor([[1.0, -1.0], [0.5, 0.25]])
 * opt = torch.optim.SGD([w1, w2], lr=0.1, momentum=0.9, weight_decay=0.01, nesterov=NESTEROV)
 * for lr in (0.1, 0.05, 0.02):
 *     for g in opt.param_groups: g['lr'] = lr
 *     opt.zero_grad()
 *     loss = (w1 * w1).sum() + (c1 * w1).sum() + (w2 * w2).sum() + (c2 * w2).sum()
 *     loss.backward(); opt.step()
 * </pre>
 */
class SgdOptimizerTest {
  private static final float[] W1 = {1.0f, -2.0f, 0.5f};
  private static final float[] W2 = {0.3f, -0.7f, 1.5f, 0.0f};
  private static final float[] C1 = {0.1f, 0.2f, -0.3f};
  private static final float[] C2 = {1.0f, -1.0f, 0.5f, 0.25f};

  // printed by the script above (torch 1.13.1)
  private static final float[][] PLAIN = {
    /* w1 */ {0.5187153220176697f, -1.1286695003509521f, 0.33919164538383484f},
    /* w2 */ {
      -0.06563948839902878f, -0.1509704738855362f, 0.6982389688491821f, -0.05702424794435501f
    },
    /* v1 */ {4.552009582519531f, -8.24107837677002f, 1.5209320783615112f},
    /* v2 */ {3.4582326412200928f, -5.192742824554443f, 7.583086967468262f, 0.5393375754356384f}
  };
  private static final float[][] NESTEROV = {
    /* w1 */ {0.30428630113601685f, -0.7404614090919495f, 0.2675459086894989f},
    /* w2 */ {
      -0.22854456305503845f, 0.09364120662212372f, 0.3410267233848572f, -0.08243053406476974f
    },
    /* v1 */ {3.7662627696990967f, -6.81854248046875f, 1.2583959102630615f},
    /* v2 */ {2.8612890243530273f, -4.296396255493164f, 6.274129867553711f, 0.446239709854126f}
  };

  private static Parameter parameter(NDManager m, String name, float[] values, Shape shape) {
    Parameter p = Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT).build();
    NDArray a = Batches.floats(m, values, shape);
    a.setRequiresGradient(true);
    p.setArray(a);
    return p;
  }

  private static void backward(NDManager m, Parameter p1, Parameter p2) {
    try (NDManager scope = m.newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDArray w1 = p1.getArray();
      NDArray w2 = p2.getArray();
      NDArray c1 = Batches.floats(scope, C1, new Shape(3));
      NDArray c2 = Batches.floats(scope, C2, new Shape(2, 2));
      NDArray loss =
          w1.mul(w1).sum().add(c1.mul(w1).sum()).add(w2.mul(w2).sum()).add(c2.mul(w2).sum());
      gc.backward(loss);
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void threeStepsMatchTorchOptimSgd(boolean nesterov) {
    float[][] want = nesterov ? NESTEROV : PLAIN;
    try (NDManager m = NDManager.newBaseManager()) {
      Parameter p1 = parameter(m, "w1", W1, new Shape(3));
      Parameter p2 = parameter(m, "w2", W2, new Shape(2, 2));
      try (SgdOptimizer opt =
          new SgdOptimizer(
              List.of(new Pair<>("w1", p1), new Pair<>("w2", p2)), 0.9, 0.01, nesterov, m)) {
        for (double lr : new double[] {0.1, 0.05, 0.02}) {
          backward(m, p1, p2);
          opt.step(lr);
        }
        assertArrayEquals(want[0], p1.getArray().toFloatArray(), 1e-6f);
        assertArrayEquals(want[1], p2.getArray().toFloatArray(), 1e-6f);
        Map<String, float[]> state = opt.state();
        assertEquals(List.of("w1", "w2"), List.copyOf(state.keySet()));
        assertArrayEquals(want[2], state.get("w1"), 1e-6f);
        assertArrayEquals(want[3], state.get("w2"), 1e-6f);
      }
    }
  }

  @Test
  void momentumRestoredFromAStateContinuesTheSameSteps() {
    float[][] split = new float[2][];
    Map<String, float[]> saved;
    try (NDManager m = NDManager.newBaseManager()) {
      Parameter p1 = parameter(m, "w1", W1, new Shape(3));
      Parameter p2 = parameter(m, "w2", W2, new Shape(2, 2));
      var params = List.of(new Pair<>("w1", p1), new Pair<>("w2", p2));
      try (SgdOptimizer opt = new SgdOptimizer(params, 0.9, 0.01, false, m)) {
        assertTrue(opt.state().isEmpty(), "no momentum before the first step");
        backward(m, p1, p2);
        opt.step(0.1);
        saved = opt.state();
      }
      // a new optimizer (a resumed run) takes the state and makes the last two steps
      try (SgdOptimizer opt = new SgdOptimizer(params, 0.9, 0.01, false, m)) {
        opt.restore(saved);
        for (double lr : new double[] {0.05, 0.02}) {
          backward(m, p1, p2);
          opt.step(lr);
        }
      }
      split[0] = p1.getArray().toFloatArray();
      split[1] = p2.getArray().toFloatArray();
    }
    assertArrayEquals(PLAIN[0], split[0], 1e-6f);
    assertArrayEquals(PLAIN[1], split[1], 1e-6f);
  }

  @Test
  void anImportedGradientReplacesTheLocalOneForOneStep() {
    try (NDManager m = NDManager.newBaseManager()) {
      Parameter p1 = parameter(m, "w1", W1, new Shape(3));
      Parameter p2 = parameter(m, "w2", W2, new Shape(2, 2));
      try (SgdOptimizer opt =
          new SgdOptimizer(List.of(new Pair<>("w1", p1), new Pair<>("w2", p2)), 0, 0, false, m)) {
        backward(m, p1, p2);
        float[] local = opt.exportGradients();
        // gradient 2w + c, flat in parameter order
        float[] expected = new float[7];
        for (int i = 0; i < 3; i++) {
          expected[i] = 2 * W1[i] + C1[i];
        }
        for (int i = 0; i < 4; i++) {
          expected[3 + i] = 2 * W2[i] + C2[i];
        }
        assertArrayEquals(expected, local, 1e-6f);
        float[] ones = {1, 1, 1, 1, 1, 1, 1};
        opt.importGradients(ones);
        opt.step(0.5);
        assertArrayEquals(new float[] {0.5f, -2.5f, 0.0f}, p1.getArray().toFloatArray(), 1e-6f);
        assertArrayEquals(
            new float[] {-0.2f, -1.2f, 1.0f, -0.5f}, p2.getArray().toFloatArray(), 1e-6f);
        // the step cleared the gradients in place: the next export sees only the next backward
        assertArrayEquals(new float[7], opt.exportGradients(), 0f);
      }
    }
  }
}

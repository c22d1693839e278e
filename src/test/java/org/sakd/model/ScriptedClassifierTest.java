package org.sakd.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A zoo network compiled to TorchScript computes what the DJL network computes: outputs in both
 * modes, every gradient, the batch-norm running statistics it updates, and the bytes it saves.
 */
class ScriptedClassifierTest {

  private static NDManager manager;

  @BeforeAll
  static void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  private static Block initialised(String name, int classes, NDManager m, int seed) {
    Engine.getInstance().setRandomSeed(seed);
    Block b = ModelRegistry.create(name, classes);
    b.initialize(m, DataType.FLOAT32, ((Classifier) b).inputShape(1));
    for (var p : b.getParameters()) {
      if (p.getValue().requiresGradient()) {
        p.getValue().getArray().setRequiresGradient(true);
      }
    }
    return b;
  }

  private static byte[] saved(Block b) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      b.saveParameters(out);
    }
    return bytes.toByteArray();
  }

  /** (logits, feature) and, in training, the loss Σ logits·w backpropagated. */
  private static NDList run(Block b, NDArray x, NDArray w, boolean training, NDManager step) {
    if (!training) {
      ai.djl.pytorch.jni.JniUtils.setGradMode(false);
      NDList out = b.forward(new ParameterStore(step, false), new NDList(x), false);
      return new NDList(out.get(0).duplicate(), out.get(1).duplicate());
    }
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDList out = b.forward(new ParameterStore(step, false), new NDList(x), true);
      gc.backward(out.get(0).mul(w).sum().add(out.get(1).square().sum().mul(0.01f)));
      return new NDList(out.get(0).duplicate(), out.get(1).duplicate());
    }
  }

  private static void close(NDArray expected, NDArray actual, String what) {
    float scale = Math.max(1f, expected.abs().max().getFloat());
    float diff = expected.sub(actual).abs().max().getFloat();
    assertTrue(diff <= 2e-5f * scale, what + ": max difference " + diff + " (scale " + scale + ")");
  }

  @ParameterizedTest
  @ValueSource(strings = {"r3d-micro", "slowfast-micro"})
  void computesWhatTheDjlNetworkComputesInTrainingAndEvaluation(String name) throws Exception {
    try (NDManager m = manager.newSubManager()) {
      Block eager = initialised(name, 10, m, 3);
      ScriptedClassifier compiled = ScriptedClassifier.compile(eager, m, true);
      assertNull(ScriptedClassifier.unsupported(eager));
      assertEquals(eager.getParameters().keys(), compiled.getParameters().keys());
      Engine.getInstance().setRandomSeed(11);
      NDArray x = m.randomNormal(((Classifier) eager).inputShape(3));
      NDArray w = m.randomNormal(new Shape(3, 10));
      for (int step = 0; step < 2; step++) {
        NDList a = run(eager, x, w, true, m);
        NDList b = run(compiled, x, w, true, m);
        close(a.get(0), b.get(0), "training logits");
        close(a.get(1), b.get(1), "training feature");
      }
      var mine = eager.getParameters();
      var theirs = compiled.getParameters();
      int grads = 0;
      for (int i = 0; i < mine.size(); i++) {
        Parameter p = mine.get(i).getValue();
        Parameter q = theirs.get(i).getValue();
        assertEquals(p.getType(), q.getType(), mine.get(i).getKey());
        assertEquals(p.requiresGradient(), q.requiresGradient(), mine.get(i).getKey());
        // running statistics after two training forwards
        close(p.getArray(), q.getArray(), mine.get(i).getKey());
        if (p.requiresGradient()) {
          close(p.getArray().getGradient(), q.getArray().getGradient(), "∂" + mine.get(i).getKey());
          grads++;
        }
      }
      assertTrue(grads > 20, grads + " gradients compared");
      NDList a = run(eager, x, w, false, m);
      NDList b = run(compiled, x, w, false, m);
      close(a.get(0), b.get(0), "evaluation logits");
      close(a.get(1), b.get(1), "evaluation feature");
      // the head CrossKD reads is the module's own
      assertSame(
          theirs.get(theirs.size() - 2).getValue().getArray(),
          compiled.head().getParameters().get("weight").getArray());
      compiled.close();
    }
  }

  @Test
  void savesWhatTheSourceNetworkSavesAndLoadsInPlace() throws Exception {
    try (NDManager m = manager.newSubManager()) {
      Block eager = initialised("r3d-micro", 10, m, 3);
      byte[] before = saved(eager);
      ScriptedClassifier compiled = ScriptedClassifier.compile(eager, m, true);
      assertArrayEquals(before, saved(compiled), "unchanged values save to the same bytes");
      // change the module only (a training step), then save: a DJL network reads it back
      Engine.getInstance().setRandomSeed(5);
      NDArray x = m.randomNormal(((Classifier) eager).inputShape(2));
      run(compiled, x, m.ones(new Shape(2, 10)), true, m);
      byte[] trained = saved(compiled);
      Block reread = initialised("r3d-micro", 10, m, 99);
      reread.loadParameters(m, new DataInputStream(new ByteArrayInputStream(trained)));
      close(
          run(reread, x, null, false, m).get(0),
          run(compiled, x, null, false, m).get(0),
          "a DJL network reading the compiled one's bytes");
      // loading another network's bytes keeps the parameter objects and takes the values
      Block other = initialised("r3d-micro", 10, m, 42);
      List<NDArray> arrays = new ArrayList<>();
      compiled.getParameters().forEach(p -> arrays.add(p.getValue().getArray()));
      compiled.loadParameters(m, new DataInputStream(new ByteArrayInputStream(saved(other))));
      for (int i = 0; i < arrays.size(); i++) {
        assertSame(arrays.get(i), compiled.getParameters().get(i).getValue().getArray());
      }
      close(
          run(other, x, null, false, m).get(0),
          run(compiled, x, null, false, m).get(0),
          "after loading another network's parameters");
      compiled.close();
    }
  }

  @Test
  void aTeacherStartsInEvaluationModeWithTheSourcesFlags() throws Exception {
    try (NDManager m = manager.newSubManager()) {
      Block eager = initialised("r3d-tiny", 10, m, 3);
      ScriptedClassifier teacher = ScriptedClassifier.compile(eager, m, false);
      for (int i = 0; i < eager.getParameters().size(); i++) {
        assertEquals(
            eager.getParameters().get(i).getValue().requiresGradient(),
            teacher.getParameters().get(i).getValue().requiresGradient());
      }
      NDArray x = m.randomNormal(((Classifier) eager).inputShape(2));
      close(
          run(eager, x, null, false, m).get(0),
          run(teacher, x, null, false, m).get(0),
          "teacher logits");
      // with gradients off, as every evaluation switches them, no graph is recorded
      ai.djl.pytorch.jni.JniUtils.setGradMode(false);
      NDList out = teacher.forward(new ParameterStore(m, false), new NDList(x), false);
      for (NDArray y : out) {
        assertTrue(
            !ai.djl.pytorch.jni.JniUtils.requiresGrad((ai.djl.pytorch.engine.PtNDArray) y),
            "an evaluation output that records a graph");
      }
      teacher.close();
    }
  }

  @Test
  void refusesNetworksItCannotWrite() {
    try (NDManager m = manager.newSubManager()) {
      Block swin = initialised("swin-micro", 10, m, 3);
      String bad = ScriptedClassifier.unsupported(swin);
      assertNotNull(bad);
      var e =
          assertThrows(
              IllegalArgumentException.class, () -> ScriptedClassifier.compile(swin, m, true));
      assertTrue(e.getMessage().contains("swin-micro cannot be compiled"), e.getMessage());
      assertTrue(e.getMessage().contains(bad), e.getMessage());
    }
  }
}

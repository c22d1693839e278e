package org.sakd.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * model.student-init from a checkpoint with another class count: backbone loaded, head fresh
 * (paper's transfer).
 */
class PretrainedTransferTest {

  private static List<float[]> values(Network n) {
    List<float[]> out = new ArrayList<>();
    for (var p : n.block().getParameters()) {
      out.add(p.getValue().getArray().toFloatArray());
    }
    return out;
  }

  /** A target network, compiled to TorchScript or not. */
  private static Network target(String name, int classes, boolean compiled, NDManager root) {
    return compiled
        ? Network.compiled(name, classes, true, root, 2)
        : Network.create(name, classes, root, 2);
  }

  @ParameterizedTest(name = "compiled {0}")
  @ValueSource(booleans = {false, true})
  void anotherClassCountLoadsTheBackboneAndKeepsAFreshHead(boolean compiled) {
    try (NDManager root = NDManager.newBaseManager();
        Network source = Network.create("r3d-micro", 10, root, 1);
        Network target = target("r3d-micro", 20, compiled, root)) {
      List<float[]> src = values(source);
      List<float[]> before = values(target);
      var headParams = target.classifier().head().getParameters();
      String how = target.loadPretrained(source.parameterBytes());
      assertTrue(
          how.contains("pre-trained on 10 classes") && how.contains("20-class head starts fresh"),
          how);
      List<float[]> after = values(target);
      var params = target.block().getParameters();
      int headSeen = 0;
      for (int i = 0; i < params.size(); i++) {
        boolean isHead = false;
        for (var h : headParams) {
          isHead |= h.getValue().getArray() == params.get(i).getValue().getArray();
        }
        if (isHead) {
          headSeen++;
          assertArrayEquals(
              before.get(i), after.get(i), "head " + params.get(i).getKey() + " kept");
        } else {
          assertArrayEquals(
              src.get(i), after.get(i), "backbone " + params.get(i).getKey() + " loaded");
        }
      }
      assertEquals(2, headSeen);
      try (NDManager scope = root.newSubManager()) {
        var out = target.forward(scope.zeros(target.classifier().inputShape(2)), false);
        assertEquals(new Shape(2, 20), out.get(0).getShape());
      }
    }
  }

  @ParameterizedTest(name = "compiled {0}")
  @ValueSource(booleans = {false, true})
  void theSameClassCountLoadsEverything(boolean compiled) {
    try (NDManager root = NDManager.newBaseManager();
        Network source = Network.create("r3d-micro", 10, root, 1);
        Network target = target("r3d-micro", 10, compiled, root)) {
      assertNotEquals(source.checksum(), target.checksum());
      String how = target.loadPretrained(source.parameterBytes());
      assertTrue(how.startsWith("loaded all parameters"), how);
      List<float[]> a = values(source);
      List<float[]> b = values(target);
      for (int i = 0; i < a.size(); i++) {
        assertArrayEquals(a.get(i), b.get(i));
      }
      // and a compiled network saves what it loaded
      assertArrayEquals(source.parameterBytes(), target.parameterBytes());
    }
  }

  @Test
  void compileAutoLeavesANetworkItCannotWriteAsDjlBlocksAndTorchscriptRefusesIt() {
    try (NDManager root = NDManager.newBaseManager()) {
      assertTrue(Network.compilable("r3d-micro"));
      assertTrue(!Network.compilable("swin-micro"));
      try (Network micro = Network.create("r3d-micro", 10, true, "auto", root, 1);
          Network swin = Network.create("swin-micro", 10, true, "auto", root, 1);
          Network eager = Network.create("r3d-micro", 10, true, "none", root, 1)) {
        assertTrue(micro.block() instanceof org.sakd.model.ScriptedClassifier);
        assertTrue(!(swin.block() instanceof org.sakd.model.ScriptedClassifier));
        assertTrue(!(eager.block() instanceof org.sakd.model.ScriptedClassifier));
        // the same seed gives the same start either way
        assertArrayEquals(eager.parameterBytes(), micro.parameterBytes());
      }
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () -> Network.create("swin-micro", 10, true, "torchscript", root, 1));
      assertTrue(e.getMessage().contains("swin-micro cannot be compiled"), e.getMessage());
    }
  }

  @Test
  void anotherArchitectureIsRefusedWithTheLayerThatDiffers() {
    try (NDManager root = NDManager.newBaseManager();
        Network wide = Network.create("r3d-tiny", 10, root, 1);
        Network narrow = Network.create("r3d-micro", 10, root, 2)) {
      double before = narrow.checksum();
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class, () -> narrow.loadPretrained(wide.parameterBytes()));
      assertTrue(
          e.getMessage().contains("shape") || e.getMessage().contains("parameters"),
          e.getMessage());
      assertEquals(before, narrow.checksum(), 0.0, "nothing loaded");
    }
  }
}

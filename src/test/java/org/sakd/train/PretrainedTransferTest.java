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

  @Test
  void anotherClassCountLoadsTheBackboneAndKeepsAFreshHead() {
    try (NDManager root = NDManager.newBaseManager();
        Network source = Network.create("r3d-micro", 10, root, 1);
        Network target = Network.create("r3d-micro", 20, root, 2)) {
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
          isHead |= h.getValue() == params.get(i).getValue();
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

  @Test
  void theSameClassCountLoadsEverything() {
    try (NDManager root = NDManager.newBaseManager();
        Network source = Network.create("r3d-micro", 10, root, 1);
        Network target = Network.create("r3d-micro", 10, root, 2)) {
      assertNotEquals(source.checksum(), target.checksum());
      String how = target.loadPretrained(source.parameterBytes());
      assertTrue(how.startsWith("loaded all parameters"), how);
      List<float[]> a = values(source);
      List<float[]> b = values(target);
      for (int i = 0; i < a.size(); i++) {
        assertArrayEquals(a.get(i), b.get(i));
      }
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

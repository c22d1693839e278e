package org.sakd.pipeline;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sakd.cluster.Blobs;
import org.sakd.proto.StatePart;

/** A replica's state crosses the wire in parts that fit the ordinary lane and come back whole. */
class StatePartsTest {

  @Test
  void aStateOfSeveralPartsComesBackWholeInAnyOrder() {
    byte[] student = new byte[700_000];
    new Random(3).nextBytes(student);
    float[] momentum = {0.5f, -1.25f, 3e-7f};
    TrainerActor.State st =
        new TrainerActor.State(student, new byte[] {9, 8}, Map.of("conv1.weight", momentum), 42.5);
    List<StatePart> parts = new ArrayList<>(StateParts.split(7, st));
    assertEquals(4, parts.size(), "700 kB in parts of 192 KiB");
    for (StatePart p : parts) {
      assertTrue(p.getSerializedSize() < 200 * 1024, "a part fits a 256 KiB frame");
    }
    Collections.reverse(parts);
    StateParts.Assembly a = new StateParts.Assembly();
    for (int i = 0; i < parts.size(); i++) {
      assertEquals(i == parts.size() - 1, a.add(parts.get(i)));
    }
    TrainerActor.State back = a.state();
    assertArrayEquals(student, back.student());
    assertArrayEquals(new byte[] {9, 8}, back.extras());
    assertArrayEquals(momentum, back.optimizer().get("conv1.weight"));
    assertEquals(42.5, back.checksum());
  }

  @Test
  void aStateWithoutOptimizerAndADuplicatePart() {
    TrainerActor.State st = new TrainerActor.State(new byte[10], new byte[0], null, 1);
    List<StatePart> parts = StateParts.split(1, st);
    assertEquals(1, parts.size());
    StateParts.Assembly a = new StateParts.Assembly();
    assertTrue(a.add(parts.get(0)));
    assertEquals(null, a.state().optimizer());
    StateParts.Assembly b = new StateParts.Assembly();
    List<StatePart> big =
        StateParts.split(2, new TrainerActor.State(new byte[400_000], null, null, 0));
    assertFalse(b.add(big.get(0)));
    assertThrows(Blobs.BlobException.class, () -> b.add(big.get(0)));
  }
}

package org.sakd.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SakdLossTest {

  private static final double[] CE = {1.2, 0.4, 2.5};
  private static final double[] KD = {0.3, 1.7, 0.05};
  private static final double[] ALPHA = {0.9, 0.2, 0.6};
  private NDManager m;

  @BeforeEach
  void open() {
    m = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    m.close();
  }

  private NDArray vec(double[] v) {
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = (float) v[i];
    }
    return m.create(f);
  }

  private DistillLosses losses() {
    return new DistillLosses(vec(CE), vec(KD), Map.of());
  }

  @Test
  void halfStrengthEverywhereGivesBackTheVanillaLoss() {
    DistillLosses l = losses();
    double sakd =
        SakdLoss.sakd(l, vec(new double[] {0.5, 0.5, 0.5}), 0.1, Supervisor.GT_AND_TEACHER)
            .getFloat();
    double vanilla = SakdLoss.vanilla(l, 0.1).getFloat();
    double expected = 0;
    for (int i = 0; i < 3; i++) {
      expected += (0.1 * CE[i] + KD[i]) / 3;
    }
    Ref.assertClose(expected, vanilla, 1e-6, "vanilla");
    Ref.assertClose(vanilla, sakd, 1e-6, "SAKD at α = 0.5");
  }

  @Test
  void supervisorModesKeepTheirPart() {
    DistillLosses l = losses();
    double both = 0;
    double teacher = 0;
    double gt = 0;
    for (int i = 0; i < 3; i++) {
      double g = 2 * (1 - ALPHA[i]) * 0.1 * CE[i] / 3;
      double t = 2 * ALPHA[i] * KD[i] / 3;
      both += g + t;
      teacher += t;
      gt += g;
    }
    Ref.assertClose(
        both,
        SakdLoss.sakd(l, vec(ALPHA), 0.1, Supervisor.GT_AND_TEACHER).getFloat(),
        1e-6,
        "gt+teacher");
    Ref.assertClose(
        teacher, SakdLoss.sakd(l, vec(ALPHA), 0.1, Supervisor.TEACHER).getFloat(), 1e-6, "teacher");
    Ref.assertClose(gt, SakdLoss.sakd(l, vec(ALPHA), 0.1, Supervisor.GT).getFloat(), 1e-6, "gt");
  }

  @Test
  void parsesSupervisorNames() {
    assertEquals(Supervisor.GT_AND_TEACHER, Supervisor.parse("gt+teacher"));
    assertEquals(Supervisor.TEACHER, Supervisor.parse(" Teacher "));
    assertEquals(Supervisor.GT, Supervisor.parse("GT"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Supervisor.parse("both"));
    assertTrue(e.getMessage().contains("gt+teacher"));
    assertThrows(IllegalArgumentException.class, () -> Supervisor.parse(null));
  }

  @Test
  void alphaOfTheWrongLengthIsRejected() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> SakdLoss.sakd(losses(), vec(new double[] {0.5, 0.5}), 0.1, Supervisor.GT));
    assertTrue(e.getMessage().contains("alpha"));
  }

  @Test
  void lossesMustBePerSampleVectors() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new DistillLosses(vec(CE), vec(new double[] {1, 2}), Map.of()));
    assertThrows(
        IllegalArgumentException.class,
        () -> new DistillLosses(vec(CE), vec(KD), Map.of("x", vec(new double[] {1}))));
  }
}

package org.sakd.distill;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.training.ParameterStore;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DistillersTest {

  @Test
  void registersTheSixBaseMethods() {
    assertEquals(List.of("kd", "dkd", "ctkd", "crosskd", "dualkd", "gkd"), Distillers.names());
    for (String name : Distillers.names()) {
      Distiller d = Distillers.create(name, Distillers.defaults(name));
      assertEquals(name, d.name());
    }
    assertEquals("dkd", Distillers.create(" DKD ", null).name());
  }

  @Test
  void defaultsFollowTheMethodPage() {
    DistillSettings kd = Distillers.defaults("kd");
    assertEquals(4.0, kd.temperature());
    assertEquals(0.1, kd.ceWeight());
    assertEquals(0.9, kd.kdWeight());
    DistillSettings dkd = Distillers.defaults("dkd");
    assertEquals(1.0, dkd.ceWeight());
    assertEquals(1.0, dkd.extra("alphaD"));
    assertEquals(8.0, dkd.extra("betaD"));
    assertEquals(20.0, dkd.extra("warmupEpochs"));
    assertEquals(0.1, Distillers.defaults("crosskd").ceWeight());
    assertEquals(10.0, Distillers.defaults("ctkd").extra("rampEpochs"));
  }

  @Test
  void unknownNameListsTheAllowedOnes() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Distillers.create("fitnet", Distillers.defaults("kd")));
    for (String name : Distillers.names()) {
      assertTrue(e.getMessage().contains(name), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> Distillers.defaults(null));
  }

  @Test
  void recipesOverrideOnlyTheKeysTheyName() {
    Distiller d =
        Distillers.create("dkd", new DistillSettings(2.0, 1.0, 1.0, Map.of("betaD", 2.0)));
    DistillSettings s = ((AbstractDistiller) d).settings();
    assertEquals(2.0, s.extra("betaD"));
    assertEquals(1.0, s.extra("alphaD"));
    assertEquals(2.0, s.temperature());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Distillers.create("kd", new DistillSettings(4.0, 0.1, 0.9, Map.of("betaD", 8.0))));
    assertTrue(e.getMessage().contains("betaD"));
  }

  @Test
  void badSettingsAreRejected() {
    assertThrows(
        IllegalArgumentException.class, () -> new DistillSettings(0.0, 0.1, 0.9, Map.of()));
    assertThrows(IllegalArgumentException.class, () -> new DistillSettings(4.0, -1, 0.9, Map.of()));
    assertThrows(
        IllegalArgumentException.class,
        () -> Distillers.create("dkd", Distillers.defaults("dkd").withExtra("warmupEpochs", 2.5)));
    assertThrows(
        IllegalArgumentException.class,
        () ->
            Distillers.create(
                "dualkd", Distillers.defaults("dualkd").withExtra("sinkhornEpsilon", 0)));
  }

  @Test
  void lossesBeforeInitializeAndBadInputsAreReported() {
    try (NDManager m = NDManager.newBaseManager()) {
      Distiller kd = Distillers.create("kd", null);
      assertThrows(
          IllegalStateException.class,
          () -> kd.losses(KdLossTest.input(m, 0), new ParameterStore(m, false)));
      kd.initialize(m, 4, 4, 5);
      assertNull(kd.extras());
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  new DistillInput(
                      Ref.matrix(m, Fixture.STUDENT),
                      null,
                      Ref.matrix(m, Fixture.TEACHER),
                      null,
                      m.create(new long[] {0, 1}),
                      null,
                      null,
                      0,
                      true));
      assertTrue(e.getMessage().contains("labels"));
      assertThrows(
          IllegalArgumentException.class,
          () ->
              new DistillInput(
                  Ref.matrix(m, Fixture.STUDENT),
                  null,
                  Ref.matrix(m, Fixture.TEACHER),
                  null,
                  m.create(new float[] {0, 1, 0, 1}),
                  null,
                  null,
                  0,
                  true));
      assertThrows(IllegalArgumentException.class, () -> kd.onEpochStart(5, 5));
      kd.onEpochStart(0, 5);
    }
  }
}

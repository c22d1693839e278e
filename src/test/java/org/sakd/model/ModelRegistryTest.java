package org.sakd.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ModelRegistryTest {

  private static NDManager manager;

  @BeforeAll
  static void open() {
    manager = NDManager.newBaseManager();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  @Test
  void namesCoverTheZoo() {
    assertEquals(
        List.of(
            "r3d10",
            "r3d18",
            "r3d34",
            "r3d-tiny",
            "r3d-micro",
            "slowfast-r101-16x8",
            "slowfast-r50-4x16",
            "slowfast-r18",
            "slowfast-tiny",
            "slowfast-micro",
            "tpn-r101-f32s2",
            "tpn-r50-f8s8",
            "tpn-micro",
            "swin-s",
            "swin-t",
            "swin-mini",
            "swin-micro",
            "resnet8",
            "resnet20",
            "resnet32",
            "resnet56",
            "resnet110",
            "resnet8x4",
            "resnet32x4",
            "wrn-16-2",
            "wrn-40-1",
            "wrn-40-2",
            "resnet18",
            "resnet34"),
        ModelRegistry.names());
  }

  @Test
  void unknownNameListsTheAllowedOnes() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> ModelRegistry.create("resnet19", 10));
    assertTrue(e.getMessage().contains("resnet19"), e.getMessage());
    assertTrue(
        e.getMessage().contains("slowfast-micro") && e.getMessage().contains("wrn-40-2"),
        e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ModelRegistry.create("r3d18-w0", 10));
    assertThrows(IllegalArgumentException.class, () -> ModelRegistry.create("resnet20", 0));
  }

  /** Small networks: a real forward on zeros of their own input shape. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "r3d-tiny",
        "r3d-micro",
        "slowfast-tiny",
        "slowfast-micro",
        "tpn-micro",
        "swin-mini",
        "swin-micro",
        "resnet8",
        "resnet20",
        "resnet32",
        "resnet56",
        "resnet110",
        "resnet8x4",
        "resnet32x4",
        "wrn-16-2",
        "wrn-40-1",
        "wrn-40-2",
        "resnet18"
      })
  void forwardReturnsLogitsAndFeature(String name) {
    try (NDManager scope = manager.newSubManager()) {
      Block block = ModelRegistry.create(name, 7);
      ModelInfo.checkForward(block, scope, 2);
      Classifier classifier = ModelInfo.classifier(block);
      assertEquals(name, classifier.name());
      assertEquals(7, classifier.numClasses());
      assertEquals(
          new Shape(classifier.featureDim()),
          classifier.head().getParameters().get(0).getValue().getArray().getShape().slice(1));
    }
  }

  /**
   * Big networks: construct and initialise only (a forward would take seconds to minutes on 2
   * cores).
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "r3d10",
        "r3d18",
        "r3d34",
        "slowfast-r101-16x8",
        "slowfast-r50-4x16",
        "slowfast-r18",
        "tpn-r101-f32s2",
        "tpn-r50-f8s8",
        "swin-s",
        "swin-t",
        "resnet34",
        "r3d18-w0.25"
      })
  void bigNetworksInitialise(String name) {
    try (NDManager scope = manager.newSubManager()) {
      Block block = withZeroWeights(ModelRegistry.create(name, 400));
      Classifier classifier = ModelInfo.classifier(block);
      block.initialize(scope, DataType.FLOAT32, classifier.inputShape(1));
      assertTrue(ModelInfo.parameterCount(block) > 0);
      Shape[] out = block.getOutputShapes(new Shape[] {classifier.inputShape(3)});
      assertEquals(new Shape(3, 400), out[0]);
      assertEquals(new Shape(3, classifier.featureDim()), out[1]);
    }
  }

  /**
   * Published counts: CRD/mdistiller zoo tables, torchvision (resnet18/34, r3d_18), mmaction2
   * (SlowFast R50 34.5 M) and the SAKD paper's appendix Table 3 (TPN-f32s2 99.71 M, TPN-f8s8 71.80
   * M: a 400-class head, Kinetics-400, and no auxiliary head; see {@link
   * #tpnCountsAreTheSakdPapersWithA400ClassHead}). CRD rounds resnet8 to 0.08 M; 0.084 M is the
   * count of its layers by hand (convs + BN + 64×100 head).
   */
  @ParameterizedTest
  @CsvSource({
    "resnet8, 100, 0.084e6",
    "resnet20, 100, 0.278e6",
    "resnet56, 100, 0.861e6",
    "resnet110, 100, 1.736e6",
    "resnet8x4, 100, 1.233e6",
    "resnet32x4, 100, 7.434e6",
    "wrn-16-2, 100, 0.704e6",
    "wrn-40-1, 100, 0.569e6",
    "wrn-40-2, 100, 2.256e6",
    "resnet18, 1000, 11.690e6",
    "resnet34, 1000, 21.798e6",
    "r3d18, 400, 33.371e6",
    "slowfast-r50-4x16, 400, 34.5e6",
    "tpn-r101-f32s2, 400, 99.71e6",
    "tpn-r50-f8s8, 400, 71.80e6",
  })
  void parameterCountsMatchTheLiterature(String name, int classes, double expected) {
    try (NDManager scope = manager.newSubManager()) {
      Block block = withZeroWeights(ModelRegistry.create(name, classes));
      block.initialize(scope, DataType.FLOAT32, ModelInfo.classifier(block).inputShape(1));
      long count = ModelInfo.parameterCount(block);
      assertEquals(expected, count, 0.03 * expected, name + " has " + count + " parameters");
    }
  }

  /**
   * The SAKD paper (Li et al., ACM MM 2025, appendix Table 3) gives TPN-f32s2 99.71 M and TPN-f8s8
   * 71.80 M parameters without saying which head. By hand: SlowOnly-R101 59,539,520 and R50
   * 31,634,496 (ResNet-101/50 without fc, plus the 3×1×1 inflation of res4/res5), the TPN neck
   * 39,346,176 (spatial modulation 18,878,464, temporal modulation 393,216, bottom-up 3,145,728,
   * two level fusions 8,536,064, pyramid fusion 8,392,704), and a 2048×K+K head: K = 400 gives
   * 99,705,296 and 71,800,272, i.e. 99.71 M and 71.80 M to the digit. TPN's auxiliary head (a
   * 1024→2048 1×3×3 convolution with BN and a 2048×400 classifier, 19,698,064) is not in the
   * paper's counts, nor in these networks.
   */
  @ParameterizedTest
  @CsvSource({"tpn-r101-f32s2, 99705296", "tpn-r50-f8s8, 71800272"})
  void tpnCountsAreTheSakdPapersWithA400ClassHead(String name, long expected) {
    try (NDManager scope = manager.newSubManager()) {
      Block block = withZeroWeights(ModelRegistry.create(name, 400));
      block.initialize(scope, DataType.FLOAT32, ModelInfo.classifier(block).inputShape(1));
      assertEquals(expected, ModelInfo.parameterCount(block), name);
      assertEquals(2048, ModelInfo.classifier(block).featureDim());
    }
  }

  /**
   * TPN's levels keep ⌈T/α⌉ steps; the CPU preset also runs on clips of other lengths and sizes
   * (the tests' 4×32×32, a 12-frame clip whose levels do not divide evenly, a 2-frame one).
   */
  @ParameterizedTest
  @CsvSource({"4, 32", "12, 40", "2, 56", "16, 56"})
  void tpnTakesOtherClipLengths(long frames, long size) {
    try (NDManager scope = manager.newSubManager()) {
      Block block = ModelRegistry.create("tpn-micro", 3);
      Shape input = new Shape(2, 3, frames, size, size);
      block.initialize(scope, DataType.FLOAT32, input);
      NDList out =
          block.forward(
              new ai.djl.training.ParameterStore(scope, false),
              new NDList(scope.randomNormal(input)),
              true);
      assertEquals(new Shape(2, 3), out.get(0).getShape());
      assertEquals(new Shape(2, 256), out.get(1).getShape());
      assertTrue(Float.isFinite(out.get(0).sum().getFloat()));
    }
  }

  /** Nearest upsampling in time undoes the windows of the ceil-mode temporal max-pool. */
  @Test
  void tpnTemporalPoolAndUpsampleAlign() {
    try (NDManager scope = manager.newSubManager()) {
      NDArray x = scope.arange(5f).reshape(1, 1, 5, 1, 1);
      NDArray pooled = Tpn.temporalMaxPool(x, 2);
      assertArrayEquals(new float[] {1, 3, 4}, pooled.toFloatArray(), 0f);
      assertEquals(3, Tpn.pooledLength(5, 2));
      assertArrayEquals(
          new float[] {1, 1, 3, 3, 4}, Tpn.temporalUpsample(pooled, 2, 5).toFloatArray(), 0f);
      assertArrayEquals(new float[] {4}, Tpn.temporalMaxPool(x, 8).toFloatArray(), 0f);
      assertEquals(1, Tpn.pooledLength(5, 8));
      for (long t = 1; t <= 64; t++) {
        for (int rate : new int[] {1, 2, 4, 8, 16}) {
          assertEquals(
              Tpn.pooledLength(t, 2 * rate),
              Tpn.pooledLength(Tpn.pooledLength(t, rate), 2),
              "T=" + t + ", α=" + rate);
        }
      }
    }
  }

  @Test
  void widthSuffixScalesTheNetwork() {
    try (NDManager scope = manager.newSubManager()) {
      Block full = withZeroWeights(ModelRegistry.create("r3d18", 10));
      Block half = withZeroWeights(ModelRegistry.create("r3d18-w0.5", 10));
      full.initialize(scope, DataType.FLOAT32, ModelInfo.classifier(full).inputShape(1));
      half.initialize(scope, DataType.FLOAT32, ModelInfo.classifier(half).inputShape(1));
      assertEquals(256, ModelInfo.classifier(half).featureDim());
      double ratio = (double) ModelInfo.parameterCount(half) / ModelInfo.parameterCount(full);
      assertEquals(0.25, ratio, 0.01, "conv parameters scale with width squared");
    }
  }

  /**
   * Shape-only checks need no random draws; filling 60 M weights with zeros is much faster on 2
   * cores.
   */
  private static Block withZeroWeights(Block block) {
    block.setInitializer(Initializer.ZEROS, Parameter.Type.WEIGHT);
    return block;
  }

  @Test
  void imageNetworksRejectMultiFrameClips() {
    try (NDManager scope = manager.newSubManager()) {
      Block block = ModelRegistry.create("resnet8", 10);
      ModelInfo.initialize(block, scope);
      IllegalArgumentException e =
          assertThrows(
              IllegalArgumentException.class,
              () ->
                  block.forward(
                      new ai.djl.training.ParameterStore(scope, false),
                      new ai.djl.ndarray.NDList(scope.zeros(new Shape(1, 3, 4, 32, 32))),
                      false));
      assertTrue(e.getMessage().contains("T = 1"), e.getMessage());
      assertInstanceOf(Classifier.class, block);
    }
  }
}

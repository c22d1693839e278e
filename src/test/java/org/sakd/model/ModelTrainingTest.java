package org.sakd.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.util.Pair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ModelTrainingTest {

  private static NDManager manager;

  @BeforeAll
  static void open() {
    manager = NDManager.newBaseManager();
    Engine.getInstance().setRandomSeed(7);
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  /** Mean cross-entropy −log softmax(logits)[label]. */
  static NDArray crossEntropy(NDArray logits, NDArray labels) {
    NDArray logProbabilities = logits.logSoftmax(1);
    return logProbabilities
        .mul(labels.oneHot((int) logits.getShape().get(1)))
        .sum(new int[] {1})
        .neg()
        .mean();
  }

  /** Forward and backward; the gradients accumulate on the parameters. */
  private static float forwardBackward(Block block, NDArray clips, NDArray labels, NDManager step) {
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      NDList out = block.forward(new ParameterStore(step, false), new NDList(clips), true);
      NDArray value = crossEntropy(out.get(0), labels);
      float loss = value.getFloat();
      gc.backward(value);
      return loss;
    }
  }

  /** The parameters whose gradient holds a NaN or an infinity. */
  private static List<String> nonFiniteGradients(Block block) {
    List<String> bad = new ArrayList<>();
    for (Pair<String, Parameter> p : block.getParameters()) {
      if (p.getValue().requiresGradient()) {
        try (NDArray g = p.getValue().getArray().getGradient();
            NDArray sum = g.sum()) {
          if (!Float.isFinite(sum.getFloat())) {
            bad.add(p.getKey());
          }
        }
      }
    }
    return bad;
  }

  /** Clears every gradient with a fill (a multiplication by 0 would keep a NaN). */
  private static void clearGradients(Block block) {
    for (Pair<String, Parameter> p : block.getParameters()) {
      if (p.getValue().requiresGradient()) {
        try (NDArray g = p.getValue().getArray().getGradient()) {
          g.set(new NDIndex("..."), 0f);
        }
      }
    }
  }

  /**
   * One plain SGD step, the loop a trainer without DJL's Trainer runs; returns the loss before the
   * step. Like the trainer (StudentReplica.backward), a finite loss whose gradients are not finite
   * is recomputed once from cleared gradients, and a second one fails: on 2-core machines the first
   * layers' gradients have gone non-finite transiently (once in CI here, cause not found; see
   * docs/DESIGN.md), and this test is about whether the networks learn.
   */
  static float sgdStep(Block block, NDArray clips, NDArray labels, float learningRate) {
    try (NDManager step = manager.newSubManager()) {
      float loss = forwardBackward(block, clips, labels, step);
      List<String> bad = nonFiniteGradients(block);
      if (Float.isFinite(loss) && !bad.isEmpty()) {
        System.err.println(
            "ModelTrainingTest: loss "
                + loss
                + " is finite but the gradients of "
                + bad
                + " are not; recomputing the step once");
        clearGradients(block);
        loss = forwardBackward(block, clips, labels, step);
        bad = nonFiniteGradients(block);
        assertTrue(bad.isEmpty(), "the gradients of " + bad + " are not finite, twice");
      }
      for (Pair<String, Parameter> p : block.getParameters()) {
        if (p.getValue().requiresGradient()) {
          NDArray weight = p.getValue().getArray();
          try (NDArray gradient = weight.getGradient();
              NDArray delta = gradient.mul(learningRate)) {
            weight.subi(delta);
          }
        }
      }
      // PyTorch accumulates gradients across backward passes; clear them for the next step.
      clearGradients(block);
      return loss;
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"r3d-micro", "slowfast-micro", "tpn-micro", "swin-micro"})
  void sgdStepsReduceTheLoss(String name) {
    try (NDManager scope = manager.newSubManager()) {
      Block block = ModelRegistry.create(name, 4);
      ModelInfo.initialize(block, scope);
      // Four fixed clips, each with its own label: a net that can fit anything must fit these.
      NDArray clips = scope.randomNormal(ModelInfo.classifier(block).inputShape(4));
      NDArray labels = scope.create(new int[] {0, 1, 2, 3});
      float first = sgdStep(block, clips, labels, 0.05f);
      float last = first;
      for (int i = 0; i < 3; i++) {
        last = sgdStep(block, clips, labels, 0.05f);
      }
      assertTrue(Float.isFinite(last), name + " loss diverged: " + last);
      assertTrue(last < 0.5f * first, name + " loss went from " + first + " to " + last);
    }
  }

  /**
   * SlowFast's checkpoint holds BatchNorm running statistics; Video Swin's holds LayerNorms and the
   * relative-position bias tables (its index and mask arrays are derived, rebuilt after a load).
   */
  @ParameterizedTest
  @ValueSource(strings = {"slowfast-micro", "tpn-micro", "swin-micro"})
  void saveThenLoadReproducesTheOutputs(String name, @TempDir Path folder) throws IOException {
    try (NDManager scope = manager.newSubManager()) {
      Block trained = ModelRegistry.create(name, 5);
      ModelInfo.initialize(trained, scope);
      NDArray clips = scope.randomNormal(ModelInfo.classifier(trained).inputShape(2));
      // A training step moves every parameter (and SlowFast's BatchNorm running statistics) off
      // its initial value, so the load is not compared against a fresh initialisation.
      sgdStep(trained, clips, scope.create(new int[] {1, 3}), 0.05f);
      Path file = folder.resolve("ckpt").resolve(name + ".params");
      ModelIO.save(trained, file);
      ModelIO.save(trained, file); // overwriting an existing checkpoint is fine
      try (var listing = Files.list(file.getParent())) {
        assertEquals(1, listing.count(), "no temporary file is left behind");
      }

      Block fresh = ModelRegistry.create(name, 5);
      ModelIO.load(fresh, file, scope);
      NDList expected = trained.forward(new ParameterStore(scope, false), new NDList(clips), false);
      NDList actual = fresh.forward(new ParameterStore(scope, false), new NDList(clips), false);
      assertArrayEquals(expected.get(0).toFloatArray(), actual.get(0).toFloatArray(), 0f);
      assertArrayEquals(expected.get(1).toFloatArray(), actual.get(1).toFloatArray(), 0f);
      assertTrue(
          fresh.getParameters().valueAt(0).getArray().hasGradient(), "gradients re-attached");

      Block other = ModelRegistry.create(name, 6);
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> ModelIO.load(other, file, scope));
      assertTrue(e.getMessage().contains("5"), e.getMessage());
    }
  }

  @Test
  void trainingModeUpdatesBatchNormStatisticsAndInferenceDoesNot() {
    try (NDManager scope = manager.newSubManager()) {
      Block block = ModelRegistry.create("r3d-micro", 3);
      ModelInfo.initialize(block, scope);
      Parameter runningMean =
          block.getParameters().stream()
              .filter(p -> p.getKey().endsWith("runningMean"))
              .findFirst()
              .orElseThrow()
              .getValue();
      float[] before = runningMean.getArray().toFloatArray();
      NDArray clips = scope.randomNormal(new Shape(2, 3, 8, 56, 56));
      block.forward(new ParameterStore(scope, false), new NDList(clips), false);
      assertArrayEquals(before, runningMean.getArray().toFloatArray(), 0f);
      block.forward(new ParameterStore(scope, false), new NDList(clips), true);
      assertFalse(java.util.Arrays.equals(before, runningMean.getArray().toFloatArray()));
    }
  }
}

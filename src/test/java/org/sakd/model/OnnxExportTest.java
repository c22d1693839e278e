package org.sakd.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.Initializer;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sakd.onnx.proto.ModelProto;

/**
 * The exported graph computes what the DJL forward computes: random weights, BatchNorm running
 * statistics moved off (0, 1) by training-mode forwards, then DJL's inference forward and ONNX
 * Runtime's run of the export on the same clip must agree within 1e-4 on logits and feature.
 */
class OnnxExportTest {

  private static final float TOLERANCE = 1e-4f;

  private static NDManager manager;
  private static OrtEnvironment env;

  @BeforeAll
  static void open() {
    manager = NDManager.newBaseManager();
    env = OrtEnvironment.getEnvironment();
  }

  @AfterAll
  static void close() {
    manager.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"r3d-micro", "slowfast-micro", "resnet8", "wrn-16-2", "r3d10-w0.125"})
  void onnxRuntimeMatchesDjl(String name) throws OrtException {
    assertMatches(ModelRegistry.create(name, 7), 2, name.hashCode());
  }

  /** The bottleneck units of SlowFast-R50/101 at a width a test can run. */
  @Test
  void slowFastBottleneckMatchesDjl() throws OrtException {
    SlowFast.Spec spec =
        new SlowFast.Spec(true, new int[] {1, 1, 1, 1}, 8, 4, 4, ConvLayers.shape(3, 8, 56, 56));
    assertMatches(SlowFast.build("slowfast-bottleneck-test", spec, 5), 2, 5);
  }

  private static void assertMatches(Block block, int batch, long seed) throws OrtException {
    Classifier net = ModelInfo.classifier(block);
    try (NDManager scope = manager.newSubManager()) {
      Engine.getInstance().setRandomSeed((int) seed);
      Shape in = net.inputShape(batch);
      block.initialize(scope, DataType.FLOAT32, net.inputShape(1));
      ParameterStore store = new ParameterStore(scope, false);
      for (int i = 0; i < 3; i++) {
        try (NDManager step = scope.newSubManager()) {
          block.forward(store, new NDList(step.randomNormal(in)), true);
        }
      }
      assertStatisticsMoved(block, net.name());

      float[] clip = new float[(int) in.size()];
      Random rng = new Random(seed);
      for (int i = 0; i < clip.length; i++) {
        clip[i] = (float) rng.nextGaussian();
      }
      float[] djlLogits;
      float[] djlFeature;
      try (NDManager step = scope.newSubManager()) {
        NDArray x = step.create(clip, in);
        NDList out = block.forward(store, new NDList(x), false);
        djlLogits = out.get(0).toFloatArray();
        djlFeature = out.get(1).toFloatArray();
      }

      Map<String, String> metadata = new LinkedHashMap<>();
      metadata.put("sakd.model", net.name());
      metadata.put("sakd.classes", "[\"a\",\"b, c\",\"ü\"]");
      ModelProto model = OnnxExport.export(block, metadata);
      try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
        options.setIntraOpNumThreads(1);
        try (OrtSession session = env.createSession(model.toByteArray(), options);
            OnnxTensor x = OnnxTensor.createTensor(env, FloatBuffer.wrap(clip), in.getShape());
            OrtSession.Result result = session.run(Map.of("clip", x))) {
          float[] logits = floats(result, "logits");
          float[] feature = floats(result, "feature");
          assertEquals(batch * net.numClasses(), logits.length);
          assertEquals(batch * net.featureDim(), feature.length);
          double dLogits = maxAbsDiff(djlLogits, logits);
          double dFeature = maxAbsDiff(djlFeature, feature);
          System.out.printf(
              "%s: max |Δlogit| %.2e, max |Δfeature| %.2e (logits up to %.3f)%n",
              net.name(), dLogits, dFeature, maxAbs(djlLogits));
          assertTrue(dLogits <= TOLERANCE, net.name() + ": max |Δlogit| " + dLogits);
          assertTrue(dFeature <= TOLERANCE, net.name() + ": max |Δfeature| " + dFeature);
          // not a trivially equal pair of constant outputs
          assertTrue(maxAbs(djlLogits) > 0.01, net.name() + " logits " + maxAbs(djlLogits));
          assertEquals(metadata, session.getMetadata().getCustomMetadata());
          assertEquals(OnnxExport.PRODUCER, session.getMetadata().getProducerName());
        }
      }
    }
  }

  /** One training-mode forward must have moved every running mean off 0 and variance off 1. */
  private static void assertStatisticsMoved(Block block, String name) {
    int checked = 0;
    for (var p : block.getParameters()) {
      Parameter parameter = p.getValue();
      if (parameter.getType() == Parameter.Type.RUNNING_MEAN
          || parameter.getType() == Parameter.Type.RUNNING_VAR) {
        float untrained = parameter.getType() == Parameter.Type.RUNNING_MEAN ? 0f : 1f;
        float[] v = parameter.getArray().toFloatArray();
        double off = 0;
        for (float f : v) {
          off = Math.max(off, Math.abs(f - untrained));
        }
        assertTrue(off > 1e-3, name + ": " + p.getKey() + " still at its initial value");
        checked++;
      }
    }
    assertTrue(checked > 0, name + " has no batch norm statistics");
  }

  /**
   * Every registered network lowers to a graph that ONNX Runtime accepts (it type- and shape-checks
   * every node on load); zero weights keep the big ones quick.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "r3d10",
        "r3d18",
        "r3d34",
        "r3d18-w0.25",
        "r3d-tiny",
        "slowfast-r101-16x8",
        "slowfast-r50-4x16",
        "slowfast-r18",
        "slowfast-tiny",
        "resnet20",
        "resnet32",
        "resnet56",
        "resnet110",
        "resnet8x4",
        "resnet32x4",
        "wrn-40-1",
        "wrn-40-2",
        "resnet18",
        "resnet34"
      })
  void everyRegisteredNetworkLoadsInOnnxRuntime(String name) throws OrtException {
    Block block = ModelRegistry.create(name, 11);
    block.setInitializer(Initializer.ZEROS, Parameter.Type.WEIGHT);
    Classifier net = ModelInfo.classifier(block);
    try (NDManager scope = manager.newSubManager()) {
      block.initialize(scope, DataType.FLOAT32, net.inputShape(1));
      byte[] bytes = OnnxExport.export(block, Map.of()).toByteArray();
      try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
        options.setIntraOpNumThreads(1);
        try (OrtSession session = env.createSession(bytes, options)) {
          assertEquals(java.util.Set.of("clip"), session.getInputNames());
          assertEquals(
              java.util.List.of("logits", "feature"),
              java.util.List.copyOf(session.getOutputNames()));
        }
      }
    }
  }

  @Test
  void anUnknownBlockIsRefusedByName() {
    SequentialBlock backbone =
        new SequentialBlock()
            .add(ConvLayers.conv3d(4, ConvLayers.shape(1, 3, 3), shape1(), shape0()))
            .add(Activation::relu)
            .add(new GlobalAveragePool());
    PooledClassifier odd =
        new PooledClassifier("odd", backbone, 4, 3, ConvLayers.shape(3, 2, 8, 8));
    try (NDManager scope = manager.newSubManager()) {
      odd.initialize(scope, DataType.FLOAT32, odd.inputShape(1));
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> OnnxExport.export(odd, Map.of()));
      assertTrue(e.getMessage().contains("LambdaBlock"), e.getMessage());
      assertTrue(e.getMessage().contains("backbone.02LambdaBlock"), e.getMessage());
    }
  }

  /** TPN's and Video Swin's blocks have no ONNX writer yet: refused by name, never half-written. */
  @ParameterizedTest
  @ValueSource(strings = {"tpn-micro", "swin-micro"})
  void networksWithoutAnOnnxWriterAreRefusedByName(String name) {
    Block net = ModelRegistry.create(name, 3);
    try (NDManager scope = manager.newSubManager()) {
      ModelInfo.initialize(net, scope);
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> OnnxExport.export(net, Map.of()));
      assertTrue(
          e.getMessage()
              .contains("does not support block " + (name.startsWith("tpn") ? "Tpn" : "VideoSwin")),
          e.getMessage());
    }
  }

  @Test
  void aBlockThatIsNotAZooNetworkIsRefused() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> OnnxExport.export(new SequentialBlock(), Map.of()));
    assertTrue(e.getMessage().contains("SequentialBlock"), e.getMessage());
    assertTrue(e.getMessage().contains("r3d-micro"), e.getMessage());
  }

  private static Shape shape1() {
    return ConvLayers.shape(1, 1, 1);
  }

  private static Shape shape0() {
    return ConvLayers.shape(0, 1, 1);
  }

  private static float[] floats(OrtSession.Result result, String name) throws OrtException {
    OnnxTensor t = (OnnxTensor) result.get(name).orElseThrow();
    FloatBuffer b = t.getFloatBuffer();
    float[] out = new float[b.remaining()];
    b.get(out);
    return out;
  }

  private static double maxAbsDiff(float[] a, float[] b) {
    assertEquals(a.length, b.length);
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]));
    }
    return m;
  }

  private static double maxAbs(float[] a) {
    double m = 0;
    for (float v : a) {
      m = Math.max(m, Math.abs(v));
    }
    return m;
  }
}

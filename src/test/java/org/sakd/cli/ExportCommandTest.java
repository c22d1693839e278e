package org.sakd.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sakd.cli.CliCapture.sakd;

import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.repository.zoo.Criteria;
import ai.djl.repository.zoo.ZooModel;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sakd.data.ClipSpec;
import org.sakd.deploy.CheckpointModel;
import org.sakd.deploy.ModelCard;
import org.sakd.train.Network;

/**
 * `sakd export`: each format reproduces the checkpoint's forward in the runtime it is meant for and
 * carries the card; wrong requests are exit 2 with one line.
 */
class ExportCommandTest {
  private static final List<String> CLASSES = List.of("clap", "wave, twice", "jump", "ü-turn");
  private static final ClipSpec CLIP =
      new ClipSpec(4, 2, 40, 32, new float[] {0.4f, 0.45f, 0.5f}, new float[] {0.2f, 0.25f, 0.3f});
  private static final Path FIXTURES = Path.of("src/test/resources/torchscript").toAbsolutePath();

  @TempDir Path dir;

  private Path checkpoint(String model, List<String> classes) {
    return TestCheckpoints.write(dir.resolve("best.ckpt"), model, classes, CLIP);
  }

  private static float[] probe(long n) {
    Random rng = new Random(17);
    float[] x = new float[Math.toIntExact(n)];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) rng.nextGaussian();
    }
    return x;
  }

  /** The checkpoint's own forward (DJL, inference mode): logits then feature. */
  private static float[][] djlForward(Path checkpoint, Shape in, float[] x) {
    try (NDManager root = NDManager.newBaseManager();
        CheckpointModel m = CheckpointModel.open(checkpoint, root);
        NDManager scope = root.newSubManager()) {
      NDList out = m.network().forward(scope.create(x, in), false);
      return new float[][] {out.get(0).toFloatArray(), out.get(1).toFloatArray()};
    }
  }

  /**
   * Reads an exported TorchScript file back through torch::jit::load, as a user's module, and
   * requires its logits and feature on {@code x} to be {@code expected} within {@code tolerance};
   * returns how many parameters the module lists.
   */
  private static int assertTorchScriptRunsAs(
      Path pt, int classes, Shape in, float[] x, float[][] expected, float tolerance) {
    try (NDManager root = NDManager.newBaseManager();
        Network exported =
            Network.create("torchscript:" + pt, classes, in.slice(1), false, root, 1);
        NDManager scope = root.newSubManager()) {
      NDList y = exported.forward(scope.create(x, in), false);
      assertArrayEquals(expected[0], y.get(0).toFloatArray(), tolerance);
      assertArrayEquals(expected[1], y.get(1).toFloatArray(), tolerance);
      return exported.block().getParameters().size();
    }
  }

  @Test
  void onnxRunsInOnnxRuntimeLikeTheCheckpointAndCarriesTheCard() throws Exception {
    Path ckpt = checkpoint("r3d-micro", CLASSES);
    CliCapture.Outcome o = sakd("export", "--checkpoint", ckpt.toString(), "--format", "onnx");
    assertEquals(0, o.code(), o.err());
    Path onnx = dir.resolve("best.onnx");
    assertTrue(o.out().contains(onnx.toString()), o.out());

    Shape in = new Shape(2, 3, CLIP.frames(), CLIP.crop(), CLIP.crop());
    float[] x = probe(in.size());
    float[][] djl = djlForward(ckpt, in, x);
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    try (OrtSession session = env.createSession(onnx.toString(), new OrtSession.SessionOptions());
        OnnxTensor t = OnnxTensor.createTensor(env, FloatBuffer.wrap(x), in.getShape());
        OrtSession.Result r = session.run(Map.of("clip", t))) {
      float[] logits = ((float[][]) r.get("logits").orElseThrow().getValue())[1];
      float[] feature = ((float[][]) r.get("feature").orElseThrow().getValue())[0];
      assertArrayEquals(
          java.util.Arrays.copyOfRange(djl[0], CLASSES.size(), 2 * CLASSES.size()), logits, 1e-4f);
      assertArrayEquals(java.util.Arrays.copyOfRange(djl[1], 0, feature.length), feature, 1e-4f);
      ModelCard card =
          ModelCard.fromMetadata(session.getMetadata().getCustomMetadata(), onnx.toString());
      assertEquals(new ModelCard("r3d-micro", CLASSES, CLIP), card);
    }

    // an existing output is kept unless --overwrite
    byte[] before = Files.readAllBytes(onnx);
    CliCapture.Outcome again = sakd("export", "--checkpoint", ckpt.toString(), "--format", "onnx");
    assertEquals(2, again.code());
    assertTrue(again.err().contains("--overwrite"), again.err());
    assertEquals(1, again.err().strip().lines().count(), again.err());
    assertArrayEquals(before, Files.readAllBytes(onnx));
    assertEquals(
        0,
        sakd("export", "--checkpoint", ckpt.toString(), "--format", "onnx", "--overwrite").code());
    try (var files = Files.list(dir)) {
      assertFalse(
          files.anyMatch(f -> f.getFileName().toString().endsWith(".tmp")), "no temp file left");
    }
  }

  @Test
  void aDjlFolderLoadsThroughDjlsModelLoaderAndGivesTheSameOutputs() throws Exception {
    Path ckpt = checkpoint("slowfast-micro", CLASSES);
    Path out = dir.resolve("served");
    CliCapture.Outcome o =
        sakd("export", "--checkpoint", ckpt.toString(), "--format", "djl", "-o", out.toString());
    assertEquals(0, o.code(), o.err());
    assertEquals(CLASSES, Files.readAllLines(out.resolve("synset.txt")));
    String props = Files.readString(out.resolve("serving.properties"));
    assertTrue(props.contains("blockFactory=org.sakd.deploy.ZooBlockFactory"), props);
    assertTrue(Files.isRegularFile(out.resolve("slowfast-micro-0000.params")));

    Shape in = new Shape(2, 3, CLIP.frames(), CLIP.crop(), CLIP.crop());
    float[] x = probe(in.size());
    float[][] expected = djlForward(ckpt, in, x);
    Criteria<NDList, NDList> criteria =
        Criteria.builder()
            .setTypes(NDList.class, NDList.class)
            .optModelPath(out)
            .optEngine("PyTorch")
            .build();
    try (ZooModel<NDList, NDList> model = criteria.loadModel();
        Predictor<NDList, NDList> predictor = model.newPredictor();
        NDManager scope = model.getNDManager().newSubManager()) {
      NDList y = predictor.predict(new NDList(scope.create(x, in)));
      assertArrayEquals(expected[0], y.get(0).toFloatArray(), 1e-6f);
      assertArrayEquals(expected[1], y.get(1).toFloatArray(), 1e-6f);
    }
  }

  @Test
  void aTorchScriptStudentExportsAsTorchScriptAndAsADjlFolder() throws Exception {
    String student = "torchscript:" + FIXTURES.resolve("student.pt");
    Path ckpt = checkpoint(student, List.of("a", "b", "c"));
    Path pt = dir.resolve("student-export.pt");
    CliCapture.Outcome o =
        sakd("export", "--checkpoint", ckpt.toString(), "--format", "torchscript", "-o", "" + pt);
    assertEquals(0, o.code(), o.err());
    String card = Files.readString(dir.resolve("student-export.pt.json"));
    assertTrue(card.contains("\"sakd.classes\":\"[\\\"a\\\",\\\"b\\\",\\\"c\\\"]\""), card);

    Shape in = new Shape(2, 3, CLIP.frames(), CLIP.crop(), CLIP.crop());
    float[] x = probe(in.size());
    float[][] expected = djlForward(ckpt, in, x);
    assertTorchScriptRunsAs(pt, 3, in, x, expected, 1e-6f);
    // the checkpoint's module (its batch-norm statistics moved), not the file it started from
    try (NDManager root = NDManager.newBaseManager();
        Network original = Network.create(student, 3, in.slice(1), false, root, 1);
        NDManager scope = root.newSubManager()) {
      float[] before = original.forward(scope.create(x, in), false).get(0).toFloatArray();
      double d = 0;
      for (int i = 0; i < before.length; i++) {
        d = Math.max(d, Math.abs(before[i] - expected[0][i]));
      }
      assertTrue(d > 1e-3, "the checkpoint should differ from the original module: " + d);
    }

    Path folder = dir.resolve("student-djl");
    assertEquals(
        0, sakd("export", "--checkpoint", "" + ckpt, "--format", "djl", "-o", "" + folder).code());
    assertTrue(Files.isRegularFile(folder.resolve("student.pt")));
    Criteria<NDList, NDList> criteria =
        Criteria.builder()
            .setTypes(NDList.class, NDList.class)
            .optModelPath(folder)
            .optEngine("PyTorch")
            .build();
    try (ZooModel<NDList, NDList> model = criteria.loadModel();
        Predictor<NDList, NDList> predictor = model.newPredictor();
        NDManager scope = model.getNDManager().newSubManager()) {
      NDList y = predictor.predict(new NDList(scope.create(x, in)));
      assertArrayEquals(expected[0], y.get(0).toFloatArray(), 1e-6f);
    }

    CliCapture.Outcome onnx = sakd("export", "--checkpoint", "" + ckpt, "--format", "onnx");
    assertEquals(2, onnx.code());
    assertTrue(onnx.err().contains("--format torchscript"), onnx.err());
  }

  @Test
  void aBuiltInR3dExportsAsTorchScriptThatLibtorchRunsLikeTheCheckpoint() throws Exception {
    Path ckpt = checkpoint("r3d-micro", CLASSES);
    Path pt = dir.resolve("micro.pt");
    CliCapture.Outcome o =
        sakd("export", "--checkpoint", ckpt.toString(), "--format", "torchscript", "-o", "" + pt);
    assertEquals(0, o.code(), o.err());
    assertTrue(Files.isRegularFile(dir.resolve("micro.pt.json")));
    Shape in = new Shape(2, 3, CLIP.frames(), CLIP.crop(), CLIP.crop());
    float[] x = probe(in.size());
    float[][] expected = djlForward(ckpt, in, x);
    int listed = assertTorchScriptRunsAs(pt, 4, in, x, expected, 1e-5f);
    // running statistics are buffers, not parameters, as PyTorch's own modules keep them
    try (NDManager root = NDManager.newBaseManager();
        CheckpointModel m = CheckpointModel.open(ckpt, root)) {
      long learnable =
          m.network().block().getParameters().stream()
              .filter(p -> p.getValue().requiresGradient())
              .count();
      assertEquals(learnable, listed);
    }
    try (java.util.zip.ZipFile zip = new java.util.zip.ZipFile(pt.toFile())) {
      String code =
          new String(
              zip.getInputStream(zip.getEntry("sakd/code/__torch__.py")).readAllBytes(),
              StandardCharsets.UTF_8);
      assertTrue(code.contains("torch.conv3d(x, self.p0"), code);
    }
  }

  @Test
  void badRequestsAreExitTwoWithOneLine() throws Exception {
    Path ckpt = checkpoint("resnet8", List.of("x", "y"));
    CliCapture.Outcome ts = sakd("export", "--checkpoint", "" + ckpt, "--format", "torchscript");
    assertEquals(2, ts.code());
    assertEquals(
        "error: only TorchScript students and the R3D and SlowFast networks can be exported as"
            + " TorchScript;"
            + " resnet8 is a built-in network of other blocks (use --format onnx or djl)",
        ts.err().strip());
    assertFalse(Files.exists(dir.resolve("best.pt")));

    CliCapture.Outcome format = sakd("export", "--checkpoint", "" + ckpt, "--format", "tflite");
    assertEquals(2, format.code());
    assertTrue(format.err().contains("unknown format 'tflite'"), format.err());
    assertTrue(format.err().contains("onnx, torchscript, djl"), format.err());

    CliCapture.Outcome missing =
        sakd("export", "--checkpoint", "" + dir.resolve("nope.ckpt"), "--format", "onnx");
    assertEquals(2, missing.code());
    assertEquals("error: no checkpoint at " + dir.resolve("nope.ckpt"), missing.err().strip());

    Path blocker = Files.writeString(dir.resolve("a-file"), "x");
    CliCapture.Outcome unwritable =
        sakd(
            "export",
            "--checkpoint",
            "" + ckpt,
            "--format",
            "onnx",
            "-o",
            "" + blocker.resolve("m.onnx"));
    assertEquals(2, unwritable.code());
    assertTrue(unwritable.err().startsWith("error: cannot write "), unwritable.err());
    assertEquals(1, unwritable.err().strip().lines().count(), unwritable.err());
  }
}

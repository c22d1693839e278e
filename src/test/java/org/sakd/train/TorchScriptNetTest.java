package org.sakd.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.sakd.data.Clip;
import org.sakd.distill.Supervisor;

/**
 * A user's TorchScript teacher and student (src/test/resources/torchscript, made by
 * make_fixtures.py with torch 1.13 and read by libtorch 2.7.1).
 */
class TorchScriptNetTest {
  private static final Path DIR = Path.of("src/test/resources/torchscript");
  private static final Shape CLIP = new Shape(3, 4, 32, 32);
  private static final int K = 3;

  private static String model(String file) {
    return "torchscript:" + DIR.resolve(file);
  }

  /** The probe input of make_fixtures.py: x[i] = sin(0.001 i) over the flat index. */
  private static float[] probeInput(int n) {
    float[] x = new float[n];
    for (int i = 0; i < n; i++) {
      x[i] = (float) Math.sin(0.001 * i);
    }
    return x;
  }

  private static float[] floats(JsonObject o, String key) {
    var a = o.getAsJsonArray(key);
    float[] out = new float[a.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = a.get(i).getAsFloat();
    }
    return out;
  }

  @Test
  void aTeacherGivesTheLogitsAndFeaturesTheFixtureScriptRecorded() throws Exception {
    JsonObject expected =
        JsonParser.parseString(Files.readString(DIR.resolve("teacher-expected.json")))
            .getAsJsonObject();
    try (NDManager root = NDManager.newBaseManager();
        Network teacher = Network.create(model("teacher.pt"), K, CLIP, false, root, 1)) {
      assertEquals(K, teacher.classifier().numClasses());
      assertEquals(32, teacher.classifier().featureDim());
      assertTrue(teacher.trainable().isEmpty(), "a teacher is frozen");
      try (NDManager scope = root.newSubManager()) {
        Shape in = new Shape(2, 3, 4, 32, 32);
        NDList out =
            teacher.forward(scope.create(probeInput(Math.toIntExact(in.size())), in), false);
        assertArrayEquals(floats(expected, "logits"), out.get(0).toFloatArray(), 1e-5f);
        assertArrayEquals(floats(expected, "feature"), out.get(1).toFloatArray(), 1e-5f);
        // the head CrossKD uses is the module's final linear layer
        var head = teacher.classifier().head().getParameters();
        try (NDArray again =
            out.get(1)
                .matMul(head.get("weight").getArray().transpose())
                .add(head.get("bias").getArray())) {
          assertArrayEquals(out.get(0).toFloatArray(), again.toFloatArray(), 1e-5f);
        }
      }
    }
  }

  @Test
  void aTeacherWithAnotherClassCountIsRefused() {
    try (NDManager root = NDManager.newBaseManager()) {
      var e =
          assertThrows(
              IllegalArgumentException.class,
              () -> Network.create(model("teacher.pt"), 5, CLIP, false, root, 1));
      assertTrue(e.getMessage().contains("3 classes; the data has 5"), e.getMessage());
    }
  }

  private static StudentReplica replica(NDManager root) {
    Network net = Network.create(model("student.pt"), K, CLIP, true, root, 1);
    return new StudentReplica(
        net,
        new org.sakd.distill.CrossEntropyDistiller(),
        Supervisor.GT_AND_TEACHER,
        32,
        0.9,
        5e-4,
        true);
  }

  private static List<Clip> clips(Random rng, int n) {
    List<Clip> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] x = new float[Math.toIntExact(CLIP.size())];
      for (int j = 0; j < x.length; j++) {
        x[j] = (float) rng.nextGaussian();
      }
      out.add(new Clip(x, 3, 4, 32, 32));
    }
    return out;
  }

  private static double step(StudentReplica r, List<Clip> x, int[] y) {
    // supervised: no teacher rows, the cross-entropy path of the method
    double loss = r.backward(x, y, null, null);
    r.applyStep(0.3);
    return loss;
  }

  @Test
  void aScriptedStudentTrainsCheckpointsAndResumesBitIdentically() {
    Random rng = new Random(5);
    List<Clip> x = clips(rng, 6);
    int[] y = {0, 1, 2, 0, 1, 2};
    try (NDManager root = NDManager.newBaseManager()) {
      StudentReplica a = replica(root);
      assertEquals(8, a.optimizer().parameters().size(), "conv1, bn1 (2), conv2, bn2 (2), fc (2)");
      double first = step(a, x, y);
      for (int i = 0; i < 8; i++) {
        step(a, x, y);
      }
      byte[] saved = a.student().parameterBytes();
      var momentum = a.optimizer().state();
      float[] evalSaved = a.logits(x);
      double before = step(a, x, y);
      assertTrue(before < first * 0.8, "the loss falls: " + first + " → " + before);
      step(a, x, y);
      float[] evalA = a.logits(x);

      // a fresh student from the same file, resumed from the checkpoint: the same two steps give
      // the same bits; batch-norm running statistics came along (eval-mode logits)
      StudentReplica b = replica(root);
      b.loadStudent(saved);
      b.restoreOptimizer(momentum);
      assertArrayEquals(evalSaved, b.logits(x), "eval-mode logits after load");
      assertEquals(before, step(b, x, y));
      step(b, x, y);
      assertArrayEquals(evalA, b.logits(x));
      assertArrayEquals(a.student().parameterBytes(), b.student().parameterBytes());
      a.close();
      b.close();
    }
  }

  @Test
  void aTracedOrFrozenStudentIsRefusedSayingWhyAndWhatToDo() {
    try (NDManager root = NDManager.newBaseManager()) {
      var traced =
          assertThrows(
              IllegalArgumentException.class,
              () -> Network.create(model("student-traced.pt"), K, CLIP, true, root, 1));
      assertTrue(
          traced.getMessage().contains("torch.jit.trace")
              && traced.getMessage().contains("torch.jit.script"),
          traced.getMessage());
      var frozen =
          assertThrows(
              IllegalArgumentException.class,
              () -> Network.create(model("student-frozen.pt"), K, CLIP, true, root, 1));
      assertTrue(
          frozen.getMessage().contains("torch.jit.freeze")
              && frozen.getMessage().contains("without freeze"),
          frozen.getMessage());
      // as a teacher a traced module is fine
      try (Network t = Network.create(model("student-traced.pt"), K, CLIP, false, root, 1)) {
        assertEquals(K, t.classifier().numClasses());
      }
    }
  }
}

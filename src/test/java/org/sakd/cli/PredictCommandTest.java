package org.sakd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.sakd.cli.CliCapture.sakd;

import ai.djl.ndarray.NDManager;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sakd.data.Clip;
import org.sakd.data.ClipSpec;
import org.sakd.data.SyntheticActions;
import org.sakd.data.SyntheticSpec;
import org.sakd.data.VideoDecoder;
import org.sakd.deploy.CheckpointModel;
import org.sakd.train.Batches;

/**
 * `sakd predict` on generated videos: per file the top classes with the probabilities that the
 * checkpoint's network gives on evaluate's test views (computed here independently), the same from
 * the exported ONNX model, bad files named and skipped, the exit codes.
 */
class PredictCommandTest {
  private static final List<String> CLASSES = List.of("MoveLeft", "MoveRight", "MoveUp");
  private static final ClipSpec CLIP = ClipSpec.of(4, 2, 32, 32);

  @TempDir Path dir;

  private Path videos() {
    Path data = dir.resolve("data");
    SyntheticActions.generate(data, new SyntheticSpec(3, 1, 2, 12, 48, 32, 25, 5, "avi", 0));
    return data.resolve("videos");
  }

  /** The probabilities of {@code file}: softmax of each of {@code views} views, averaged. */
  private static double[] expected(Path checkpoint, Path file, int views) {
    VideoDecoder decoder = new VideoDecoder();
    double[] mean = new double[CLASSES.size()];
    try (NDManager root = NDManager.newBaseManager();
        CheckpointModel m = CheckpointModel.open(checkpoint, root)) {
      for (int v = 0; v < views; v++) {
        Clip clip = decoder.decodeView(file, CLIP, v, views);
        try (NDManager scope = root.newSubManager()) {
          float[] logits =
              m.network().forward(Batches.stack(scope, List.of(clip)), false).get(0).toFloatArray();
          double max = Double.NEGATIVE_INFINITY;
          for (float l : logits) {
            max = Math.max(max, l);
          }
          double z = 0;
          for (float l : logits) {
            z += Math.exp(l - max);
          }
          for (int k = 0; k < logits.length; k++) {
            mean[k] += Math.exp(logits[k] - max) / z / views;
          }
        }
      }
    }
    return mean;
  }

  /** file → (class → probability) from predict's JSON. */
  private static Map<String, Map<String, Double>> predictions(JsonObject o) {
    Map<String, Map<String, Double>> out = new LinkedHashMap<>();
    for (JsonElement e : o.getAsJsonArray("predictions")) {
      JsonObject p = e.getAsJsonObject();
      Map<String, Double> top = new LinkedHashMap<>();
      for (JsonElement c : p.getAsJsonArray("top")) {
        top.put(
            c.getAsJsonObject().get("class").getAsString(),
            c.getAsJsonObject().get("probability").getAsDouble());
      }
      out.put(p.get("file").getAsString(), top);
    }
    return out;
  }

  @Test
  void predictsEveryVideoWithBothRuntimesAndSkipsBadFiles() throws Exception {
    Path videos = videos();
    Path ckpt = TestCheckpoints.write(dir.resolve("m.ckpt"), "r3d-micro", CLASSES, CLIP);
    Path onnx = dir.resolve("m.onnx");
    assertEquals(
        0, sakd("export", "--checkpoint", "" + ckpt, "--format", "onnx", "-o", "" + onnx).code());
    Path bad = Files.write(dir.resolve("noise.mp4"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
    Path missing = dir.resolve("gone.avi");
    List<Path> files = new ArrayList<>();
    try (var walk = Files.walk(videos)) {
      walk.filter(f -> f.toString().endsWith(".avi")).sorted().forEach(files::add);
    }
    assertEquals(6, files.size());

    for (String[] source :
        List.of(new String[] {"--checkpoint", "" + ckpt}, new String[] {"--onnx", "" + onnx})) {
      CliCapture.Outcome o =
          sakd(
              "predict",
              source[0],
              source[1],
              "--json",
              "--set",
              "eval.views=2",
              "--set",
              "eval.batch-size=3",
              "" + videos,
              "" + bad,
              "" + missing);
      assertEquals(0, o.code(), o.err());
      JsonObject json = JsonParser.parseString(o.out().strip()).getAsJsonObject();
      Map<String, Map<String, Double>> got = predictions(json);
      assertEquals(files.stream().map(Path::toString).toList(), List.copyOf(got.keySet()));
      for (Path f : files) {
        double[] want = expected(ckpt, f, 2);
        Map<String, Double> top = got.get(f.toString());
        assertEquals(3, top.size(), "all 3 classes when there are fewer than 5");
        double previous = 1;
        for (var e : top.entrySet()) {
          double p = e.getValue();
          assertEquals(want[CLASSES.indexOf(e.getKey())], p, 1e-4, source[0] + " " + f);
          assertTrue(p <= previous, "most probable first");
          previous = p;
        }
      }
      assertEquals(12, json.get("clips").getAsInt());
      assertTrue(json.get("clips_per_second").getAsDouble() > 0);
      JsonArray skipped = json.getAsJsonArray("skipped");
      assertEquals(2, skipped.size(), skipped.toString());
      assertEquals("" + bad, skipped.get(0).getAsJsonObject().get("file").getAsString());
      assertTrue(
          skipped.get(0).getAsJsonObject().get("reason").getAsString().startsWith("UNREADABLE"));
      assertTrue(
          skipped.get(1).getAsJsonObject().get("reason").getAsString().startsWith("MISSING"));
    }

    CliCapture.Outcome text = sakd("predict", "--onnx", "" + onnx, "" + files.get(0), "" + bad);
    assertEquals(0, text.code(), text.err());
    List<String> lines = text.out().strip().lines().toList();
    assertEquals(2, lines.size(), text.out());
    assertTrue(lines.get(0).startsWith(files.get(0) + ":  "), lines.get(0));
    assertTrue(
        lines.get(1).contains("1 file predicted") && lines.get(1).contains("clips/s"),
        lines.get(1));
    assertTrue(text.err().contains("skipped " + bad + ": UNREADABLE"), text.err());
  }

  @Test
  void exitCodes() throws Exception {
    Path ckpt = TestCheckpoints.write(dir.resolve("m.ckpt"), "r3d-micro", CLASSES, CLIP);
    Path bad = Files.write(dir.resolve("noise.mp4"), new byte[] {1, 2, 3});
    CliCapture.Outcome none = sakd("predict", "--checkpoint", "" + ckpt, "" + bad);
    assertEquals(1, none.code(), "nothing predicted");
    assertTrue(none.err().contains("could be predicted"), none.err());
    assertEquals(2, sakd("predict", "" + bad).code(), "no model");
    assertEquals(
        2,
        sakd("predict", "--checkpoint", "" + ckpt, "--onnx", "x.onnx", "" + bad).code(),
        "two models");
    Path empty = Files.createDirectories(dir.resolve("empty"));
    CliCapture.Outcome noVideos = sakd("predict", "--checkpoint", "" + ckpt, "" + empty);
    assertEquals(2, noVideos.code());
    assertTrue(noVideos.err().contains("no video files"), noVideos.err());
    CliCapture.Outcome noModel = sakd("predict", "--onnx", "" + dir.resolve("x.onnx"), "" + bad);
    assertEquals(2, noModel.code());
    assertEquals("error: no ONNX model at " + dir.resolve("x.onnx"), noModel.err().strip());
    CliCapture.Outcome notOnnx = sakd("predict", "--onnx", "" + bad, "" + bad);
    assertEquals(2, notOnnx.code());
    assertTrue(notOnnx.err().contains("is not a model ONNX Runtime can run"), notOnnx.err());
  }
}

package org.sakd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "Distil on your own data" walkthrough, command for command, on a generated set in
 * the UCF101 layout read as {@code data.format=ucf101} (10 classes, 180 training and 90 test
 * clips): scan, a teacher, SAKD into a student, evaluate, ONNX export, predict with ONNX Runtime.
 * The distilled student must beat chance (10 %) by a wide margin; on this machine it reached 61.11
 * best and 54.44 last.
 */
class WalkthroughTest {
  @TempDir Path dir;

  private List<String> data() {
    return List.of(
        "--set",
        "data.format=ucf101",
        "--set",
        "data.root=\"" + dir.resolve("mydata/videos") + "\"",
        "--set",
        "run.dir=\"" + dir.resolve("runs") + "\"");
  }

  private int run(String command, String... more) {
    List<String> all = new ArrayList<>(List.of(command));
    all.addAll(data());
    all.addAll(List.of(more));
    return Main.execute(all.toArray(String[]::new));
  }

  @Test
  void fromAFolderOfVideosToAPredictingOnnxStudent() throws Exception {
    // the stand-in for the user's folder: videos/<Class>/*.avi and ucfTrainTestlist/ beside it
    assertEquals(
        0, Main.execute("generate", "--set", "data.root=\"" + dir.resolve("mydata") + "\""));
    assertEquals(0, run("scan", "--strict"));
    assertEquals(
        0,
        run(
            "train-teacher",
            "--set",
            "run.name=my-teacher",
            "--set",
            "model.teacher=r3d-tiny",
            "--set",
            "train.epochs=6"));
    Path teacher = dir.resolve("runs/my-teacher/checkpoints/best.ckpt");
    assertEquals(
        0,
        run(
            "distill",
            "--set",
            "run.name=my-student",
            "--set",
            "model.student=r3d-micro",
            "--set",
            "model.teacher-checkpoint=\"" + teacher + "\"",
            "--set",
            "train.epochs=10",
            "--set",
            "sakd.ratio=0.3"));
    List<String> metrics = Files.readAllLines(dir.resolve("runs/my-student/metrics.csv"));
    List<String> columns = List.of(metrics.get(0).split(","));
    double last =
        Double.parseDouble(metrics.get(metrics.size() - 1).split(",")[columns.indexOf("top1")]);
    assertEquals(11, metrics.size(), "ten epochs");
    assertTrue(last >= 30, "the distilled student's last Top-1 " + last + " (chance: 10)");

    assertEquals(0, run("evaluate", "--set", "run.name=my-student"));
    assertTrue(Files.isRegularFile(dir.resolve("runs/my-student/evaluation/confusion.csv")));
    Path best = dir.resolve("runs/my-student/checkpoints/best.ckpt");
    assertEquals(0, Main.execute("export", "--checkpoint", best.toString(), "--format", "onnx"));
    Path onnx = dir.resolve("runs/my-student/checkpoints/best.onnx");
    assertTrue(Files.size(onnx) > 0);

    Path fresh = Files.createDirectories(dir.resolve("new"));
    Files.copy(dir.resolve("mydata/videos/Grow/v_Grow_g01_c01.avi"), fresh.resolve("clip1.avi"));
    Files.copy(
        dir.resolve("mydata/videos/MoveLeft/v_MoveLeft_g02_c03.avi"), fresh.resolve("clip2.avi"));
    assertEquals(0, Main.execute("predict", "--onnx", onnx.toString(), fresh.toString()));
  }
}

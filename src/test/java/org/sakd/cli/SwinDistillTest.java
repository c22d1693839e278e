package org.sakd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Video Swin through the CLI on generated videos: a swin-mini teacher trained from scratch, then
 * SAKD with CrossKD (which needs the teacher's final linear head) into a swin-micro student. The
 * clips are 4×32×32, smaller than the presets' 8×56×56: the windows clip and pad to fit.
 */
class SwinDistillTest {
  @TempDir Path dir;

  /** This test's models and clips on {@link TinySet}. */
  private static final List<String> SETTINGS =
      List.of(
          "data.clip.frames=4",
          "model.teacher=swin-mini",
          "model.student=swin-micro",
          "sakd.ratio=0.34",
          "sakd.interval=1");

  private int run(String command, String... more) {
    return TinySet.run(dir, SETTINGS, command, more);
  }

  @Test
  void aSwinTeacherDistilsIntoASwinStudentWithCrossKd() throws Exception {
    assertEquals(0, run("train-teacher", "--set", "run.name=t", "--set", "train.epochs=1"));
    Path teacher = dir.resolve("runs/t/checkpoints/best.ckpt");
    assertTrue(Files.isRegularFile(teacher));
    assertEquals(
        0,
        run(
            "distill",
            "--set",
            "run.name=d",
            "--set",
            "train.epochs=2",
            "--set",
            "distill.method=crosskd",
            "--set",
            "model.teacher-checkpoint=\"" + teacher + "\""));
    Path runDir = dir.resolve("runs/d");
    List<String> metrics = Files.readAllLines(runDir.resolve("metrics.csv"));
    assertEquals(3, metrics.size(), metrics.toString());
    int loss = List.of(metrics.get(0).split(",")).indexOf("train_loss");
    for (String row : metrics.subList(1, 3)) {
      assertTrue(Double.isFinite(Double.parseDouble(row.split(",")[loss])), row);
    }
    assertTrue(Files.isRegularFile(runDir.resolve("checkpoints/best.ckpt")));
    assertEquals(
        0, run("evaluate", "--checkpoint", runDir.resolve("checkpoints/best.ckpt").toString()));
  }
}

package org.sakd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A TPN teacher distilled into a TPN student through the command line, on generated videos: {@code
 * train-teacher} then SAKD with CrossKD (which pushes the student's feature through the teacher's
 * final linear head) for 2 epochs, then {@code evaluate}. 8-frame clips give the CPU preset's two
 * pyramid levels 2 and 1 time steps, so the top-down and bottom-up paths resample in time.
 */
class TpnRunTest {
  @TempDir Path dir;

  /** This test's models and clips on {@link TinySet}. */
  private static final List<String> SETTINGS =
      List.of(
          "data.clip.frames=8",
          "data.clip.stride=1",
          "model.teacher=tpn-micro",
          "model.student=tpn-micro");

  private int run(String command, String... more) {
    return TinySet.run(dir, SETTINGS, command, more);
  }

  @Test
  void aTpnTeacherDistilsIntoATpnStudentWithSakdAndCrossKd() throws Exception {
    assertEquals(0, run("train-teacher", "--set", "run.name=teacher", "--set", "train.epochs=1"));
    Path teacher = dir.resolve("runs/teacher/checkpoints/best.ckpt");
    assertTrue(Files.isRegularFile(teacher));
    assertEquals(
        0,
        run(
            "distill",
            "--set",
            "run.name=sakd-crosskd",
            "--set",
            "model.teacher-checkpoint=\"" + teacher + "\"",
            "--set",
            "distill.method=crosskd",
            "--set",
            "distill.mode=sakd",
            "--set",
            "sakd.ratio=0.34",
            "--set",
            "sakd.interval=1",
            "--set",
            "train.epochs=2"));
    Path runDir = dir.resolve("runs/sakd-crosskd");
    List<String> metrics = Files.readAllLines(runDir.resolve("metrics.csv"));
    metrics.forEach(line -> System.out.println("TpnRunTest metrics.csv: " + line));
    assertEquals(3, metrics.size(), metrics.toString());
    List<String> columns = List.of(metrics.get(0).split(","));
    for (String row : metrics.subList(1, 3)) {
      String[] cells = row.split(",");
      double loss = Double.parseDouble(cells[columns.indexOf("train_loss")]);
      double top1 = Double.parseDouble(cells[columns.indexOf("top1")]);
      assertTrue(Double.isFinite(loss) && loss > 0, row);
      assertTrue(top1 >= 0 && top1 <= 100, row);
    }
    Path best = runDir.resolve("checkpoints/best.ckpt");
    assertTrue(Files.isRegularFile(best));
    assertEquals(0, run("evaluate", "--checkpoint", best.toString()));
  }
}

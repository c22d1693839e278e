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
 * A TPN teacher distilled into a TPN student through the command line, on generated videos: {@code
 * train-teacher} then SAKD with CrossKD (which pushes the student's feature through the teacher's
 * final linear head) for 2 epochs, then {@code evaluate}. 8-frame clips give the CPU preset's two
 * pyramid levels 2 and 1 time steps, so the top-down and bottom-up paths resample in time.
 */
class TpnRunTest {
  @TempDir Path dir;

  private List<String> common() {
    return List.of(
        "--set", "run.dir=\"" + dir.resolve("runs") + "\"",
        "--set", "data.root=\"" + dir.resolve("data") + "\"",
        "--set", "data.synthetic.classes=3",
        "--set", "data.synthetic.groups=4",
        "--set", "data.synthetic.test-groups=1",
        "--set", "data.synthetic.clips-per-group=2",
        "--set", "data.synthetic.frames=12",
        "--set", "data.synthetic.width=48",
        "--set", "data.synthetic.height=32",
        "--set", "data.clip.frames=8",
        "--set", "data.clip.stride=1",
        "--set", "data.clip.short-side=32",
        "--set", "data.clip.crop=32",
        "--set", "model.teacher=tpn-micro",
        "--set", "model.student=tpn-micro",
        "--set", "train.batch-size=4");
  }

  private int run(String command, String... more) {
    List<String> all = new ArrayList<>(List.of(command));
    all.addAll(common());
    all.addAll(List.of(more));
    return Main.execute(all.toArray(String[]::new));
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

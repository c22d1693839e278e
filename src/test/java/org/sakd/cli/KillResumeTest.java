package org.sakd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sakd.checkpoint.CheckpointStore;
import org.sakd.proto.CheckpointProto;

/**
 * A distillation process killed with SIGKILL mid-run resumes from its last checkpoint and finishes.
 */
class KillResumeTest {
  @TempDir Path dir;

  private List<String> common() {
    return List.of(
        "--set",
        "run.dir=\"" + dir.resolve("runs") + "\"",
        "--set",
        "data.root=\"" + dir.resolve("data") + "\"",
        "--set",
        "data.synthetic.classes=3",
        "--set",
        "data.synthetic.groups=4",
        "--set",
        "data.synthetic.test-groups=1",
        "--set",
        "data.synthetic.clips-per-group=2",
        "--set",
        "data.synthetic.frames=12",
        "--set",
        "data.synthetic.width=48",
        "--set",
        "data.synthetic.height=32",
        "--set",
        "data.clip.frames=4",
        "--set",
        "data.clip.short-side=32",
        "--set",
        "data.clip.crop=32",
        "--set",
        "model.teacher=r3d-micro",
        "--set",
        "model.student=r3d-micro",
        "--set",
        "train.batch-size=4",
        "--set",
        "sakd.ratio=0.34");
  }

  /** The command line of a child JVM running {@code sakd args...} on the test class path. */
  private static List<String> child(List<String> args) {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "--add-modules",
                "jdk.incubator.vector",
                "-Dai.djl.offline=true",
                "-Dai.djl.pytorch.num_threads=1",
                "-cp",
                System.getProperty("java.class.path"),
                "org.sakd.cli.Main"));
    cmd.addAll(args);
    return cmd;
  }

  @Test
  void killedDistillationResumes() throws Exception {
    List<String> teacher =
        new ArrayList<>(
            List.of("train-teacher", "--set", "run.name=teacher", "--set", "train.epochs=1"));
    teacher.addAll(common());
    assertEquals(0, Main.execute(teacher.toArray(String[]::new)));
    Path teacherCkpt = dir.resolve("runs/teacher/checkpoints/best.ckpt");
    assertTrue(Files.isRegularFile(teacherCkpt));

    List<String> distill =
        new ArrayList<>(
            List.of(
                "distill",
                "--set",
                "run.name=killed",
                "--set",
                "train.epochs=12",
                "--set",
                "model.teacher-checkpoint=\"" + teacherCkpt + "\""));
    distill.addAll(common());
    List<String> cmd = child(distill);
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("child.log").toFile())
            .start();
    Path last = dir.resolve("runs/killed/checkpoints/" + CheckpointStore.LAST);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    CheckpointStore store = new CheckpointStore(last.getParent());
    while (System.nanoTime() < deadline
        && p.isAlive()
        && (!Files.exists(last)
            || store.load(CheckpointStore.LAST).map(CheckpointProto::getEpoch).orElse(-1) < 1)) {
      Thread.sleep(100);
    }
    assertTrue(
        p.isAlive(),
        "the child finished or died before it could be killed: "
            + Files.readString(dir.resolve("child.log")));
    p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
    int epochAtKill = store.load(CheckpointStore.LAST).orElseThrow().getEpoch();
    assertTrue(epochAtKill >= 1 && epochAtKill < 11, "killed after epoch " + epochAtKill);

    List<String> resume = new ArrayList<>(distill);
    resume.add("--resume");
    assertEquals(0, Main.execute(resume.toArray(String[]::new)));
    CheckpointProto done = store.load(CheckpointStore.LAST).orElseThrow();
    assertEquals(11, done.getEpoch());
    assertEquals(12, done.getHistoryCount(), "history holds the epochs before and after the kill");
    for (int e = 0; e < 12; e++) {
      assertEquals(e, done.getHistory(e).getEpoch());
      assertTrue(
          Files.exists(dir.resolve(String.format("runs/killed/selection/epoch-%03d.csv", e + 1))));
    }
    assertTrue(
        Files.readString(dir.resolve("runs/killed/summary.json")).contains("\"mode\":\"sakd\""));
  }

  /**
   * SIGTERM (what a scheduler or Ctrl-C sends) ends the run with one line saying how to continue
   * it.
   */
  @Test
  void sigtermSaysWhereTheRunStoppedAndHowToContinue() throws Exception {
    List<String> teacher =
        new ArrayList<>(
            List.of("train-teacher", "--set", "run.name=teacher2", "--set", "train.epochs=1"));
    teacher.addAll(common());
    assertEquals(0, Main.execute(teacher.toArray(String[]::new)));
    List<String> term =
        new ArrayList<>(
            List.of("train-teacher", "--set", "run.name=term", "--set", "train.epochs=40"));
    term.addAll(common());
    List<String> cmd = child(term);
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("term.log").toFile())
            .start();
    CheckpointStore store = new CheckpointStore(dir.resolve("runs/term/checkpoints"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
    while (System.nanoTime() < deadline
        && p.isAlive()
        && store.load(CheckpointStore.LAST).map(CheckpointProto::getEpoch).orElse(-1) < 0) {
      Thread.sleep(100);
    }
    assertTrue(
        p.isAlive(), "finished before the signal: " + Files.readString(dir.resolve("term.log")));
    p.destroy(); // SIGTERM
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    String log = Files.readString(dir.resolve("term.log"));
    assertTrue(
        log.contains("stopped: ")
            && log.contains("keeps its last checkpoint after epoch")
            && log.contains(
                "continue with: scripts/sakd train-teacher --resume --set run.name=term"),
        log);
  }

  @Test
  void supervisedTrainingResumesWithItsHistory() throws Exception {
    List<String> first =
        new ArrayList<>(
            List.of("train-teacher", "--set", "run.name=sup", "--set", "train.epochs=1"));
    first.addAll(common());
    assertEquals(0, Main.execute(first.toArray(String[]::new)));
    List<String> more =
        new ArrayList<>(
            List.of(
                "train-teacher", "--set", "run.name=sup", "--set", "train.epochs=2", "--resume"));
    more.addAll(common());
    assertEquals(0, Main.execute(more.toArray(String[]::new)));
    CheckpointProto last =
        new CheckpointStore(dir.resolve("runs/sup/checkpoints"))
            .load(CheckpointStore.LAST)
            .orElseThrow();
    assertEquals(1, last.getEpoch());
    assertEquals(2, last.getHistoryCount());
    assertEquals(0, last.getHistory(0).getEpoch());
    assertTrue(last.getHistory(1).getTrainedSamples() > 0);
    assertTrue(last.getOptimizerCount() > 0, "momentum is checkpointed");
    assertEquals(64, last.getDataIndex().length(), "the checkpoint knows the lists it was made on");

    // lists that changed under the run: a resume would continue over other samples, so exit 2
    Path list = dir.resolve("data/ucfTrainTestlist/trainlist01.txt");
    List<String> lines = new ArrayList<>(java.nio.file.Files.readAllLines(list));
    lines.remove(lines.size() - 1);
    java.nio.file.Files.write(list, lines);
    List<String> again =
        new ArrayList<>(
            List.of(
                "train-teacher", "--set", "run.name=sup", "--set", "train.epochs=3", "--resume"));
    again.addAll(common());
    assertEquals(2, Main.execute(again.toArray(String[]::new)));
  }
}

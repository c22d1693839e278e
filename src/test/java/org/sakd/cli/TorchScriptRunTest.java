package org.sakd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `sakd distill` with a user's TorchScript teacher and student (issue 11) on generated videos: SAKD
 * end to end, resumed, evaluated; modules that cannot serve are exit 2 naming the key.
 */
class TorchScriptRunTest {
  private static final Path FIXTURES = Path.of("src/test/resources/torchscript").toAbsolutePath();

  @TempDir Path dir;

  private static String ts(String file) {
    return "\"torchscript:" + FIXTURES.resolve(file) + "\"";
  }

  private List<String> common(int classes) {
    return List.of(
        "--set", "run.dir=\"" + dir.resolve("runs") + "\"",
        "--set", "data.root=\"" + dir.resolve("data" + classes) + "\"",
        "--set", "data.synthetic.classes=" + classes,
        "--set", "data.synthetic.groups=4",
        "--set", "data.synthetic.test-groups=1",
        "--set", "data.synthetic.clips-per-group=2",
        "--set", "data.synthetic.frames=12",
        "--set", "data.synthetic.width=48",
        "--set", "data.synthetic.height=32",
        "--set", "data.clip.frames=4",
        "--set", "data.clip.short-side=32",
        "--set", "data.clip.crop=32",
        "--set", "model.teacher=" + ts("teacher.pt"),
        "--set", "model.student=" + ts("student.pt"),
        "--set", "train.batch-size=4",
        "--set", "sakd.ratio=0.34",
        "--set", "sakd.interval=1");
  }

  private int run(List<String> args, String... more) {
    List<String> all = new ArrayList<>(List.of(more[0]));
    all.addAll(args);
    all.addAll(List.of(more).subList(1, more.length));
    return Main.execute(all.toArray(String[]::new));
  }

  /** Exit code and standard error of {@code run}. */
  private String err(int expected, List<String> args, String... more) {
    PrintStream old = System.err;
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    System.setErr(new PrintStream(b, true, StandardCharsets.UTF_8));
    try {
      assertEquals(expected, run(args, more));
    } finally {
      System.setErr(old);
    }
    return b.toString(StandardCharsets.UTF_8);
  }

  @Test
  void aTorchScriptTeacherDistilsIntoATorchScriptStudentAndTheRunResumesAndEvaluates()
      throws Exception {
    assertEquals(
        0,
        run(common(3), "distill", "--set", "run.name=ts", "--set", "train.epochs=2"),
        "no model.teacher-checkpoint: the TorchScript teacher brings its weights");
    Path runDir = dir.resolve("runs/ts");
    List<String> metrics = Files.readAllLines(runDir.resolve("metrics.csv"));
    assertEquals(3, metrics.size(), metrics.toString());
    assertTrue(Files.isRegularFile(runDir.resolve("checkpoints/best.ckpt")));
    // --resume of the finished run reads its last checkpoint (the whole module, buffers included)
    // back into the pipeline and adds no epoch (bit-identical resume: TorchScriptNetTest)
    assertEquals(
        0,
        run(common(3), "distill", "--resume", "--set", "run.name=ts", "--set", "train.epochs=2"));
    assertEquals(metrics, Files.readAllLines(runDir.resolve("metrics.csv")));
    String eval =
        err(
            0,
            common(3),
            "evaluate",
            "--checkpoint",
            runDir.resolve("checkpoints/best.ckpt").toString());
    assertTrue(!eval.contains("error"), eval);
  }

  @Test
  void modulesThatCannotServeAreBadSettingsNamingTheKey() {
    String traced =
        err(
            2,
            common(3),
            "distill",
            "--set",
            "run.name=traced",
            "--set",
            "train.epochs=1",
            "--set",
            "model.student=" + ts("student-traced.pt"));
    assertTrue(traced.contains("model.student") && traced.contains("torch.jit.script"), traced);
    String classes = err(2, common(4), "distill", "--set", "run.name=k", "--set", "train.epochs=1");
    assertTrue(
        classes.contains("model.teacher") && classes.contains("3 classes; the data has 4"),
        classes);
    String missing =
        err(
            2,
            common(3),
            "distill",
            "--set",
            "run.name=m",
            "--set",
            "model.teacher=\"torchscript:" + dir.resolve("nope.pt") + "\"");
    assertTrue(missing.contains("model.teacher") && missing.contains("nope.pt"), missing);
    // model.compile = torchscript insists: a zoo network it cannot write is a bad setting
    String compile =
        err(
            2,
            common(3),
            "distill",
            "--set",
            "run.name=c",
            "--set",
            "train.epochs=1",
            "--set",
            "model.student=swin-micro",
            "--set",
            "model.compile=torchscript");
    assertTrue(
        compile.contains("model.compile") && compile.contains("swin-micro cannot be compiled"),
        compile);
    assertEquals(1, compile.lines().filter(l -> l.startsWith("error:")).count(), compile);
  }
}

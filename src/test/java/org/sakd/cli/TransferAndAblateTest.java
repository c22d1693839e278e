package org.sakd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * model.student-init from a student trained on another class count (the paper's transfer, issue
 * 8.4) and `sakd ablate` over a two-cell grid, resumable (issue 8.5), on a tiny generated set.
 */
class TransferAndAblateTest {
  @TempDir Path dir;

  private List<String> common(String data, int classes) {
    return List.of(
        "--set",
        "run.dir=\"" + dir.resolve("runs") + "\"",
        "--set",
        "data.root=\"" + dir.resolve(data) + "\"",
        "--set",
        "data.synthetic.classes=" + classes,
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

  /**
   * {@code more[0]} is the command; the shared settings come next, so the rest of {@code more}
   * overrides them.
   */
  private int run(List<String> args, String... more) {
    List<String> all = new ArrayList<>(List.of(more[0]));
    all.addAll(args);
    all.addAll(List.of(more).subList(1, more.length));
    return Main.execute(all.toArray(String[]::new));
  }

  /** What {@code r} prints on standard output ({@code err}: standard error). */
  private String captured(Runnable r, boolean err) {
    PrintStream old = err ? System.err : System.out;
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    PrintStream to = new PrintStream(b, true, StandardCharsets.UTF_8);
    if (err) {
      System.setErr(to);
    } else {
      System.setOut(to);
    }
    try {
      r.run();
    } finally {
      if (err) {
        System.setErr(old);
      } else {
        System.setOut(old);
      }
    }
    return b.toString(StandardCharsets.UTF_8);
  }

  private String captured(Runnable r) {
    return captured(r, false);
  }

  /** The first epoch's train_loss column of a metrics.csv. */
  private static String trainLoss(java.nio.file.Path metrics) throws java.io.IOException {
    List<String> lines = Files.readAllLines(metrics);
    int col = List.of(lines.get(0).split(",")).indexOf("train_loss");
    assertTrue(col >= 0, lines.get(0));
    return lines.get(1).split(",")[col];
  }

  private String capturedErr(Runnable r) {
    return captured(r, true);
  }

  @Test
  void aStudentPretrainedOnOtherClassesDistilsAndAblates() throws Exception {
    // a student backbone trained on 4 classes, then a teacher and a distillation on 3 classes
    assertEquals(
        0,
        run(
            common("pre", 4),
            "train-teacher",
            "--set",
            "run.name=pre",
            "--set",
            "train.model=student",
            "--set",
            "train.epochs=1"));
    String init = "model.student-init=\"" + dir.resolve("runs/pre/checkpoints/best.ckpt") + "\"";
    // a checkpoint knows its classes: on data with another class list it gives no number, it is
    // refused by name (exit 2)
    String otherClasses =
        capturedErr(
            () ->
                assertEquals(
                    2,
                    run(
                        common("data", 3),
                        "evaluate",
                        "--checkpoint",
                        dir.resolve("runs/pre/checkpoints/best.ckpt").toString())));
    assertTrue(
        otherClasses.contains("--checkpoint")
            && otherClasses.contains("data's 3 classes")
            && otherClasses.contains("4"),
        otherClasses);
    String wrongTeacher =
        capturedErr(
            () ->
                assertEquals(
                    2,
                    run(
                        common("data", 3),
                        "distill",
                        "--set",
                        "run.name=wrong-teacher",
                        "--set",
                        "train.epochs=1",
                        "--set",
                        "model.teacher=r3d-micro",
                        "--set",
                        "model.teacher-checkpoint=\""
                            + dir.resolve("runs/pre/checkpoints/best.ckpt")
                            + "\"")));
    assertTrue(
        wrongTeacher.contains("model.teacher-checkpoint") && wrongTeacher.contains("trained on 4"),
        wrongTeacher);
    assertEquals(
        0,
        run(common("data", 3), "train-teacher", "--set", "run.name=t", "--set", "train.epochs=1"));
    String teacher =
        "model.teacher-checkpoint=\"" + dir.resolve("runs/t/checkpoints/best.ckpt") + "\"";
    assertEquals(
        0,
        run(
            common("data", 3),
            "distill",
            "--set",
            "run.name=d",
            "--set",
            "train.epochs=1",
            "--set",
            teacher,
            "--set",
            init));
    // one writer per run folder: a finished run is not replaced without --overwrite; --resume needs
    // a checkpoint
    java.nio.file.Path best = dir.resolve("runs/d/checkpoints/best.ckpt");
    byte[] kept = Files.readAllBytes(best);
    assertEquals(
        2,
        run(
            common("data", 3),
            "distill",
            "--set",
            "run.name=d",
            "--set",
            "train.epochs=1",
            "--set",
            teacher,
            "--set",
            init));
    org.junit.jupiter.api.Assertions.assertArrayEquals(kept, Files.readAllBytes(best));
    assertEquals(
        0,
        run(
            common("data", 3),
            "distill",
            "--overwrite",
            "--set",
            "run.name=d",
            "--set",
            "train.epochs=1",
            "--set",
            teacher,
            "--set",
            init));
    assertEquals(
        2,
        run(
            common("data", 3),
            "distill",
            "--resume",
            "--set",
            "run.name=nothing",
            "--set",
            "train.epochs=1",
            "--set",
            teacher));
    assertEquals(
        2,
        run(
            common("data", 3),
            "distill",
            "--resume",
            "--overwrite",
            "--set",
            "run.name=d",
            "--set",
            teacher));
    // a resume must keep the settings that define the run, and its checkpoint must verify
    String diff =
        capturedErr(
            () ->
                assertEquals(
                    2,
                    run(
                        common("data", 3),
                        "distill",
                        "--resume",
                        "--set",
                        "run.name=d",
                        "--set",
                        "train.epochs=2",
                        "--set",
                        teacher,
                        "--set",
                        init)));
    assertTrue(diff.contains("train.epochs: 1 → 2"), diff);
    // the base method's own block: it changes the run, is recorded in config.conf, and a resume
    // must keep it
    String tau =
        capturedErr(
            () ->
                assertEquals(
                    2,
                    run(
                        common("data", 3),
                        "distill",
                        "--resume",
                        "--set",
                        "run.name=d",
                        "--set",
                        "train.epochs=1",
                        "--set",
                        "distill.kd.temperature=2",
                        "--set",
                        teacher,
                        "--set",
                        init)));
    assertTrue(tau.contains("distill.kd.temperature: 4 → 2"), tau);
    assertEquals(
        0,
        run(
            common("data", 3),
            "distill",
            "--set",
            "run.name=tau2",
            "--set",
            "train.epochs=1",
            "--set",
            "distill.kd.temperature=2",
            "--set",
            teacher,
            "--set",
            init));
    assertTrue(
        Files.readString(dir.resolve("runs/tau2/config.conf")).contains("temperature=2"),
        "config.conf records the override");
    assertNotEquals(
        trainLoss(dir.resolve("runs/d/metrics.csv")),
        trainLoss(dir.resolve("runs/tau2/metrics.csv")),
        "τ = 2 trains with another loss than τ = 4");
    java.nio.file.Path last = dir.resolve("runs/d/checkpoints/last.ckpt");
    byte[] lb = Files.readAllBytes(last);
    lb[lb.length / 2] ^= 0x01;
    Files.write(last, lb);
    String corrupt =
        capturedErr(
            () ->
                assertEquals(
                    2,
                    run(
                        common("data", 3),
                        "distill",
                        "--resume",
                        "--set",
                        "run.name=d",
                        "--set",
                        "train.epochs=1",
                        "--set",
                        teacher,
                        "--set",
                        init)));
    assertTrue(corrupt.contains("checksum does not match"), corrupt);
    // every command honours train.devices: a GPU this machine lacks is exit 2, for supervised
    // training too
    if (ai.djl.engine.Engine.getInstance().getGpuCount() == 0) {
      assertEquals(
          2,
          run(
              common("data", 3),
              "train-teacher",
              "--set",
              "run.name=gpu",
              "--set",
              "train.epochs=1",
              "--set",
              "train.devices=[gpu0]"));
    }
    // sakd.anneal-epochs: the last epoch trains on the full set, without scoring
    assertEquals(
        0,
        run(
            common("data", 3),
            "distill",
            "--set",
            "run.name=anneal",
            "--set",
            "train.epochs=2",
            "--set",
            "sakd.anneal-epochs=1",
            "--set",
            teacher,
            "--set",
            init));
    List<String> epochs =
        Files.readAllLines(dir.resolve("runs/anneal/events.jsonl")).stream()
            .filter(l -> l.contains("\"type\":\"epoch\""))
            .toList();
    assertEquals(2, epochs.size());
    assertTrue(
        epochs.get(0).contains("\"trained_samples\":6,"),
        epochs.get(0)); // 34 % of 18 training clips
    assertTrue(epochs.get(1).contains("\"trained_samples\":18,"), epochs.get(1));
    assertTrue(
        epochs.get(1).contains("\"mean_alpha\":null"), epochs.get(1)); // the base loss, no alpha
    assertTrue(
        !Files.exists(dir.resolve("runs/anneal/selection/epoch-002.csv")),
        "no selection in the anneal epoch");
    assertEquals(
        2,
        run(
            common("data", 3),
            "distill",
            "--set",
            "run.name=anneal2",
            "--set",
            "train.epochs=2",
            "--set",
            "sakd.anneal-epochs=2",
            "--set",
            teacher));
    // the student alone also starts from it
    assertEquals(
        0,
        run(
            common("data", 3),
            "train-teacher",
            "--set",
            "run.name=alone",
            "--set",
            "train.model=student",
            "--set",
            "train.epochs=1",
            "--set",
            init));
    // another architecture cannot be bridged: exit 2 naming the key
    String wrong = "model.student-init=\"" + dir.resolve("runs/t/checkpoints/best.ckpt") + "\"";
    assertEquals(
        2,
        run(
            common("data", 3),
            "distill",
            "--set",
            "run.name=bad",
            "--set",
            "train.epochs=1",
            "--set",
            teacher,
            "--set",
            wrong,
            "--set",
            "model.student=r3d-tiny"));

    List<String> ablate = new ArrayList<>(common("data", 3));
    ablate.addAll(
        List.of(
            "--set",
            "run.name=ab",
            "--set",
            "train.epochs=2",
            "--set",
            teacher,
            "--grid",
            "sakd.direction=difficulty-high,easy-high",
            "--cell",
            "distill.mode=random",
            "--seeds",
            "1"));
    String first = captured(() -> assertEquals(0, run(ablate, "ablate")));
    assertTrue(
        first.contains("| direction-difficulty-high |") && first.contains("| vanilla |"), first);
    Path json = dir.resolve("runs/ab/ablation.json");
    List<?> rows = new com.google.gson.Gson().fromJson(Files.readString(json), List.class);
    assertEquals(4, rows.size());
    assertEquals("mode-random", ((Map<?, ?>) rows.get(3)).get("cell"));
    Map<?, ?> cell = (Map<?, ?>) rows.get(1);
    assertEquals("direction-difficulty-high", cell.get("cell"));
    assertTrue(
        ((Number) cell.get("best_top1_mean")).doubleValue()
            >= ((Number) cell.get("last_top1_mean")).doubleValue());
    assertEquals(
        2,
        ((List<?>) cell.get("mean_alpha_curve")).size(),
        "one mean-alpha point per selection epoch");
    // a second invocation runs nothing again
    String second = captured(() -> assertEquals(0, run(ablate, "ablate")));
    assertEquals(4, second.split("finished before", -1).length - 1, second);
    // compare: one table, the settings that differ, one plot
    Path cells = dir.resolve("runs/ab/cells");
    String cmp =
        captured(
            () ->
                assertEquals(
                    0,
                    Main.execute(
                        "compare",
                        cells.resolve("vanilla-s42").toString(),
                        cells.resolve("direction-easy-high-s42").toString(),
                        "--plot",
                        dir.resolve("cmp.png").toString())));
    assertTrue(
        cmp.contains("settings that differ:")
            && cmp.contains("distill.mode:")
            && cmp.contains("sakd.direction:"),
        cmp);
    assertTrue(Files.size(dir.resolve("cmp.png")) > 0);
    assertEquals(2, Main.execute("compare", dir.resolve("data").toString()));
    // a bad grid value is exit 2 before anything runs
    List<String> bad = new ArrayList<>(common("data", 3));
    bad.addAll(
        List.of("--set", "run.name=ab2", "--set", teacher, "--grid", "sakd.direction=sideways"));
    assertEquals(2, run(bad, "ablate"));
    assertTrue(!Files.exists(dir.resolve("runs/ab2/cells")));
  }
}

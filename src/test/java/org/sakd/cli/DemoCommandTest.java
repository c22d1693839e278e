package org.sakd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `sakd demo` end to end on the tiny set: every phase announces itself, every row reaches the table
 * and summary.json, and the time control (demo.same-time-epochs) trains vanilla KD for only its own
 * epochs.
 */
class DemoCommandTest {
  @TempDir Path dir;

  @Test
  void demoPrintsEveryRowWithTheTimeControlLast() throws Exception {
    List<String> args = new ArrayList<>(List.of("demo"));
    args.addAll(
        TinySet.args(
            dir,
            "data.clip.frames=4",
            "model.teacher=r3d-micro",
            "model.student=r3d-micro",
            "sakd.ratio=0.34",
            "demo.groups=0",
            "demo.test-groups=0",
            "demo.teacher-epochs=1",
            "demo.pretrain-epochs=1",
            "demo.pretrain-classes=2",
            "demo.epochs=2",
            "demo.star-interval=2",
            "demo.same-time-epochs=1"));
    CliCapture.Outcome o = CliCapture.sakd(args.toArray(String[]::new));
    assertEquals(0, o.code(), o.err());

    List<String> labels =
        List.of(
            "Teacher",
            "Student alone",
            "Vanilla KD",
            "SAKD Ours (I=1)",
            "SAKD Ours* (I=2)",
            "Random subset, SAKD loss",
            "Random subset, plain KD",
            "Vanilla KD, 1 epoch (Ours*'s time)");
    JsonArray rows =
        JsonParser.parseString(Files.readString(dir.resolve("runs/demo/summary.json")))
            .getAsJsonArray();
    assertEquals(labels.size(), rows.size());
    for (int i = 0; i < labels.size(); i++) {
      assertEquals(labels.get(i), rows.get(i).getAsJsonObject().get("label").getAsString());
      assertTrue(o.out().contains(labels.get(i)), "the printed table lacks " + labels.get(i));
    }
    // the printed table lines up: the row column is as wide as the longest label
    List<String> table =
        o.out().lines().dropWhile(l -> !l.startsWith("row ")).limit(1 + labels.size()).toList();
    assertEquals(1 + labels.size(), table.size(), o.out());
    for (String line : table) {
      assertEquals(table.get(0).length(), line.length(), "misaligned: " + line);
    }
    // one "== demo:" line per phase: teacher, pre-training, student alone and six distilled rows
    assertEquals(9, o.out().lines().filter(l -> l.startsWith("== demo: ")).count(), o.out());
    assertTrue(
        o.out().contains("== demo: Vanilla KD, 1 epoch (Ours*'s time)\n"),
        "the time control's phase line names its epochs once");

    // the time control trains 1 epoch over the full set; vanilla KD its 2
    assertEquals(1, epochLines(dir.resolve("runs/demo/vanilla-same-time/metrics.csv")));
    assertEquals(2, epochLines(dir.resolve("runs/demo/vanilla/metrics.csv")));
  }

  private static long epochLines(Path metrics) throws Exception {
    return Files.readAllLines(metrics).stream().skip(1).filter(l -> !l.isBlank()).count();
  }
}

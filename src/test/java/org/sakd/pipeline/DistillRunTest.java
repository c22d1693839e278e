package org.sakd.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sakd.config.Settings;
import org.sakd.train.EpochRecord;

/**
 * End to end on a tiny generated video set: every mode, the files a run writes, kill-and-resume.
 */
class DistillRunTest {
  @TempDir static Path dir;
  static TinyRuns tiny;

  @BeforeAll
  static void data() {
    tiny = new TinyRuns(dir);
  }

  private static List<String> selected(Path runDir, int epoch) throws Exception {
    Path f = runDir.resolve(String.format("selection/epoch-%03d.csv", epoch + 1));
    return Files.readAllLines(f).stream()
        .skip(1)
        .filter(l -> l.endsWith(",1"))
        .map(l -> l.split(",")[0])
        .toList();
  }

  @Test
  void sakdRunSelectsTheBudgetWritesItsFilesAndValidates() throws Exception {
    Settings s = tiny.settings(dir, List.of("run.name=sakd", "distill.mode=sakd"));
    DistillRun.Outcome o = tiny.run(s, false, Integer.MAX_VALUE);
    int n = tiny.index.train().size();
    int k = (int) Math.round(0.34 * n);
    assertEquals(3, o.epochs().size());
    for (EpochRecord e : o.epochs()) {
      assertTrue(e.selectionEpoch());
      assertEquals(k, e.trainedSamples());
      assertTrue(e.top1() >= 0 && e.top1() <= 100 && e.top5() >= e.top1());
      assertTrue(e.meanAlpha() >= 0 && e.meanAlpha() <= 1, "mean alpha " + e.meanAlpha());
      assertTrue(Double.isFinite(e.trainLoss()));
    }
    Path run = s.run().runDir();
    for (int e = 0; e < 3; e++) {
      List<String> lines =
          Files.readAllLines(run.resolve(String.format("selection/epoch-%03d.csv", e + 1)));
      assertEquals(n + 1, lines.size());
      assertEquals(k, selected(run, e).size());
    }
    assertTrue(Files.size(run.resolve("checkpoints/last.ckpt")) > 0);
    List<String> metrics = Files.readAllLines(run.resolve("metrics.csv"));
    assertEquals(4, metrics.size());
    // epochs count from 1 in every file a person reads, as in the log lines
    assertTrue(metrics.get(1).startsWith("sakd,1,"), metrics.get(1));
    assertTrue(metrics.get(3).startsWith("sakd,3,"), metrics.get(3));
    assertTrue(Files.exists(run.resolve("selection/epoch-001.csv")));
    assertTrue(!Files.exists(run.resolve("selection/epoch-000.csv")));
    assertTrue(Files.readString(run.resolve("events.jsonl")).contains("\"type\":\"epoch\""));
    assertTrue(
        o.peakDecodedInFlight() <= o.decodeBound(),
        o.peakDecodedInFlight() + " > " + o.decodeBound());
  }

  @Test
  void vanillaTrainsOnAllDataAndRandomOnTheBudget() {
    int n = tiny.index.train().size();
    Settings v =
        tiny.settings(
            dir,
            List.of("run.name=vanilla", "distill.mode=vanilla", "train.epochs=2", "eval.views=3"));
    DistillRun.Outcome ov = tiny.run(v, false, Integer.MAX_VALUE);
    assertEquals(2, ov.epochs().size());
    ov.epochs().forEach(e -> assertEquals(n, e.trainedSamples()));
    assertFalse(Files.exists(v.run().runDir().resolve("selection")));

    Settings r =
        tiny.settings(
            dir,
            List.of(
                "run.name=random", "distill.mode=random", "train.epochs=2", "distill.method=dkd"));
    DistillRun.Outcome or = tiny.run(r, false, Integer.MAX_VALUE);
    or.epochs().forEach(e -> assertEquals(Math.round(0.34 * n), e.trainedSamples()));
  }

  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.ValueSource(
      strings = {"dkd", "ctkd", "crosskd", "dualkd", "gkd"})
  void everyBaseMethodRunsThroughThePipeline(String method) {
    Settings s =
        tiny.settings(
            dir, List.of("run.name=m-" + method, "distill.method=" + method, "train.epochs=2"));
    DistillRun.Outcome o = tiny.run(s, false, Integer.MAX_VALUE);
    assertEquals(2, o.epochs().size());
    for (EpochRecord e : o.epochs()) {
      assertTrue(Double.isFinite(e.trainLoss()), method + " loss " + e.trainLoss());
      assertEquals(Math.round(0.34 * tiny.index.train().size()), e.trainedSamples());
    }
  }

  @Test
  void killedAndResumedRunMakesTheSameSelections() throws Exception {
    Settings full = tiny.settings(dir, List.of("run.name=full", "train.epochs=4"));
    tiny.run(full, false, Integer.MAX_VALUE);
    Settings cut = tiny.settings(dir, List.of("run.name=cut", "train.epochs=4"));
    DistillRun.Outcome first = tiny.run(cut, false, 1);
    assertEquals(2, first.epochs().size());
    // simulate the half-written work of a process killed mid-epoch 2: a stray temp checkpoint file
    Files.write(cut.run().runDir().resolve("checkpoints/last.ckpt999.tmp"), new byte[] {1, 2});
    DistillRun.Outcome rest = tiny.run(cut, true, Integer.MAX_VALUE);
    assertEquals(4, rest.epochs().size(), "history carries the epochs before the kill");
    for (int e = 0; e < 4; e++) {
      assertEquals(selected(full.run().runDir(), e), selected(cut.run().runDir(), e), "epoch " + e);
    }
  }

  /**
   * sakd.overlap-scoring: every epoch still selects the budget, the first selection is the exact
   * schedule's, and a run stopped after epoch 2 resumes from the selection its checkpoint holds
   * (made with the stale student) and selects what the uninterrupted run selects.
   */
  @Test
  void overlappedScoringSelectsEveryEpochAndResumesExactly() throws Exception {
    List<String> common = List.of("train.epochs=4", "sakd.overlap-scoring=true");
    Settings full = tiny.settings(dir, concat(common, "run.name=overlap-full"));
    DistillRun.Outcome o = tiny.run(full, false, Integer.MAX_VALUE);
    assertEquals(4, o.epochs().size());
    Settings exact = tiny.settings(dir, List.of("run.name=overlap-exact", "train.epochs=4"));
    tiny.run(exact, false, Integer.MAX_VALUE);
    assertEquals(
        selected(exact.run().runDir(), 0),
        selected(full.run().runDir(), 0),
        "the first selection is scored before any training, as in the exact schedule");
    int k = selected(full.run().runDir(), 0).size();
    Settings cut = tiny.settings(dir, concat(common, "run.name=overlap-cut"));
    tiny.run(cut, false, 1);
    DistillRun.Outcome rest = tiny.run(cut, true, Integer.MAX_VALUE);
    assertEquals(4, rest.epochs().size());
    for (int e = 0; e < 4; e++) {
      assertEquals(k, selected(full.run().runDir(), e).size(), "epoch " + e + " selects k");
      assertEquals(selected(full.run().runDir(), e), selected(cut.run().runDir(), e), "epoch " + e);
    }
  }

  private static List<String> concat(List<String> a, String b) {
    List<String> out = new java.util.ArrayList<>(a);
    out.add(b);
    return out;
  }
}

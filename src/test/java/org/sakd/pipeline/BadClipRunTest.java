package org.sakd.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sakd.config.Settings;
import org.sakd.data.Sample;

/**
 * A corrupt training video and a missing test video are skipped, counted and named; the run goes
 * on.
 */
class BadClipRunTest {
  @TempDir Path dir;

  @Test
  void badFilesAreSkippedAndNamed() throws Exception {
    TinyRuns tiny = new TinyRuns(dir);
    Sample corrupt = tiny.index.train().get(3);
    Sample missing = tiny.index.test().get(1);
    byte[] junk = new byte[4096];
    new Random(1).nextBytes(junk);
    Files.write(corrupt.path(), junk);
    Files.delete(missing.path());
    Settings s =
        tiny.settings(
            dir, List.of("run.name=bad", "distill.mode=sakd", "train.epochs=2", "sakd.ratio=1.0"));
    DistillRun.Outcome o = tiny.run(s, false, Integer.MAX_VALUE);
    assertEquals(2, o.epochs().size());
    int n = tiny.index.train().size();
    // the whole training set is the budget; the corrupt clip is the one that cannot be trained on
    o.epochs().forEach(e -> assertEquals(n - 1, e.trainedSamples()));
    assertEquals(2, o.skipped().size(), o.skipped().toString());
    String report = Files.readString(s.run().runDir().resolve("skipped.tsv"));
    assertTrue(report.contains(corrupt.id()) && report.contains(missing.id()), report);
    assertTrue(report.contains("MISSING"), report);
  }

  /**
   * Found by scripts/chaos: a bad first training clip (read for the clip shape) crashed the run.
   */
  @Test
  void aBadFirstClipIsSkippedToo() throws Exception {
    TinyRuns tiny = new TinyRuns(dir);
    Sample first = tiny.index.train().get(0);
    Files.write(first.path(), new byte[0]);
    Settings s = tiny.settings(dir, List.of("run.name=first", "train.epochs=1"));
    DistillRun.Outcome o = tiny.run(s, false, Integer.MAX_VALUE);
    assertEquals(1, o.epochs().size());
    assertEquals(1, o.skipped().size(), o.skipped().toString());
    assertTrue(
        Files.readString(s.run().runDir().resolve("skipped.tsv")).contains(first.id()),
        "named in skipped.tsv");
  }
}

package org.sakd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sakd.config.Settings;
import org.sakd.data.DatasetIndex;
import org.sakd.data.Datasets;

/**
 * The sakd command line run in-process: exit codes, messages naming the bad key, and the tiny
 * end-to-end jobs.
 */
class CliTest {
  @TempDir static Path dir;

  record Result(int code, String out, String err) {}

  /** Runs the command with System.out / System.err captured, and restores them. */
  static synchronized Result run(String... args) {
    PrintStream out = System.out;
    PrintStream err = System.err;
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    ByteArrayOutputStream e = new ByteArrayOutputStream();
    try (PrintStream po = new PrintStream(o, true, StandardCharsets.UTF_8);
        PrintStream pe = new PrintStream(e, true, StandardCharsets.UTF_8)) {
      System.setOut(po);
      System.setErr(pe);
      int code = Main.execute(args);
      po.flush();
      pe.flush();
      return new Result(
          code, o.toString(StandardCharsets.UTF_8), e.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(out);
      System.setErr(err);
    }
  }

  /**
   * The tiny generated set of the pipeline tests (TinyRuns), with its data root and runs inside the
   * temp dir.
   */
  static List<String> tiny(Path root, String... more) {
    List<String> s =
        new ArrayList<>(
            List.of(
                "run.dir=\"" + dir.resolve("runs") + "\"",
                "data.root=\"" + root + "\"",
                "data.synthetic.classes=3",
                "data.synthetic.groups=4",
                "data.synthetic.test-groups=1",
                "data.synthetic.clips-per-group=2",
                "data.synthetic.frames=12",
                "data.synthetic.width=48",
                "data.synthetic.height=32",
                "data.clip.frames=4",
                "data.clip.stride=2",
                "data.clip.short-side=32",
                "data.clip.crop=32",
                "model.teacher=r3d-micro",
                "train.batch-size=6",
                "eval.batch-size=6"));
    s.addAll(List.of(more));
    return s;
  }

  /** {@code command [flags] --set k=v ...}. */
  static String[] args(String command, List<String> settings, String... flags) {
    List<String> a = new ArrayList<>();
    a.add(command);
    a.addAll(List.of(flags));
    for (String s : settings) {
      a.add("--set");
      a.add(s);
    }
    return a.toArray(String[]::new);
  }

  static Config json(String text) {
    return ConfigFactory.parseString(
        text.strip(), ConfigParseOptions.defaults().setSyntax(ConfigSyntax.JSON));
  }

  @Test
  void helpOfEveryCommandReturnsZero() {
    for (String c : List.of("generate", "scan", "train-teacher", "evaluate", "distill", "demo")) {
      Result r = run(c, "--help");
      assertEquals(0, r.code(), c + " --help: " + r.err());
      assertTrue(
          r.out().contains("Usage:") && r.out().contains(c),
          c + " --help prints its usage: " + r.out());
      assertTrue(r.out().contains("--set"), c + " lists the shared --set option");
    }
    Result top = run("--help");
    assertEquals(0, top.code());
    for (String c : List.of("generate", "scan", "train-teacher", "evaluate", "distill", "demo")) {
      assertTrue(top.out().contains(c), "sakd --help lists " + c);
    }
  }

  @Test
  void aBadValueIsRejectedNamingTheKey() {
    Result r = run("train-teacher", "--set", "sakd.ratio=2");
    assertEquals(Main.EXIT_BAD_INPUT, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("sakd.ratio"), r.err());
  }

  @Test
  void aMonitorNodeNeedsItsAddressAndTheLayoutListsIt() {
    Result r = run("node", "--role", "monitor");
    assertEquals(Main.EXIT_BAD_INPUT, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("cluster.monitor"), r.err());
    r = run("node", "--role", "watcher");
    assertEquals(Main.EXIT_BAD_INPUT, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("coordinator, trainer, decoder or monitor"), r.err());
    r = run("node", "--set", "cluster.monitor=\"127.0.0.1:nope\"", "--print-layout");
    assertEquals(Main.EXIT_BAD_INPUT, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("cluster.monitor"), r.err());
    r = run("node", "--print-layout");
    assertEquals(0, r.code(), r.err());
    assertTrue(!r.out().contains("\nmonitor "), "no monitor node unless named: " + r.out());
    r = run("node", "--set", "cluster.monitor=\"127.0.0.1:25530\"", "--print-layout");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("\nmonitor - 127.0.0.1:25530\n"), r.out());
  }

  @Test
  void aMonitorNodesPortInUseIsABadSettingNamingItsKey() throws Exception {
    try (java.net.ServerSocket taken =
            new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        java.net.ServerSocket free =
            new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      int cluster = free.getLocalPort();
      free.close();
      String monitor = "cluster.monitor=\"127.0.0.1:" + cluster + "\"";
      Result r =
          run(
              "node",
              "--role",
              "monitor",
              "--set",
              monitor,
              "--set",
              "monitor.http.port=" + taken.getLocalPort());
      assertEquals(Main.EXIT_BAD_INPUT, r.code(), r.out() + r.err());
      assertTrue(r.err().contains("monitor.http.port"), r.err());
      monitor = "cluster.monitor=\"127.0.0.1:" + taken.getLocalPort() + "\"";
      r = run("node", "--role", "monitor", "--set", monitor);
      assertEquals(Main.EXIT_BAD_INPUT, r.code(), r.out() + r.err());
      assertTrue(r.err().contains("cluster.monitor"), r.err());
    }
  }

  @Test
  void anUnknownKeyIsRejectedNamingTheKey() {
    Result r = run("scan", "--set", "sakd.no-such-key=1");
    assertEquals(Main.EXIT_BAD_INPUT, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("sakd.no-such-key"), r.err());
  }

  @Test
  void distillNeedsTheTeacherCheckpoint() {
    Path root = dir.resolve("data");
    Result r = run(args("distill", tiny(root)));
    assertEquals(Main.EXIT_BAD_INPUT, r.code(), r.out() + r.err());
    assertTrue(r.err().contains("model.teacher-checkpoint"), r.err());
    Result missing =
        run(
            args(
                "distill",
                tiny(root, "model.teacher-checkpoint=\"" + dir.resolve("none.ckpt") + "\"")));
    assertEquals(Main.EXIT_BAD_INPUT, missing.code(), missing.out() + missing.err());
    assertTrue(missing.err().contains("model.teacher-checkpoint"), missing.err());
  }

  @Test
  void generateScanTrainAndEvaluateOnATinySet() throws IOException {
    Path root = dir.resolve("data");
    List<String> s = tiny(root, "run.name=teacher");
    Result g = run(args("generate", s));
    assertEquals(0, g.code(), g.err());
    DatasetIndex index =
        Datasets.open("synthetic", root, Settings.load(null, List.of()).data().options());
    int train = index.train().size();
    int test = index.test().size();
    assertEquals(3 * 3 * 2, train, "classes × train groups × clips per group");
    assertEquals(3 * 1 * 2, test);
    for (var sample : index.train()) {
      assertTrue(Files.size(sample.path()) > 0, sample.path() + " written");
    }

    Result scan = run(args("scan", s, "--json"));
    assertEquals(0, scan.code(), scan.err());
    Config report = json(scan.out());
    assertEquals(train + test, report.getInt("files"));
    assertTrue(report.getList("bad").isEmpty(), scan.out());

    Result t = run(args("train-teacher", tiny(root, "run.name=teacher", "train.epochs=1")));
    assertEquals(0, t.code(), t.err());
    Path best = dir.resolve("runs").resolve("teacher").resolve("checkpoints").resolve("best.ckpt");
    assertTrue(Files.isRegularFile(best) && Files.size(best) > 0, "train-teacher writes " + best);

    Result e = run(args("evaluate", s, "--json"));
    assertEquals(0, e.code(), e.err());
    Config acc = json(e.out());
    assertEquals(test, acc.getInt("samples"));
    double top1 = acc.getDouble("top1");
    double top5 = acc.getDouble("top5");
    assertTrue(top1 >= 0 && top1 <= top5 && top5 <= 100, "0 ≤ top1 ≤ top5 ≤ 100: " + e.out());
    // per-class Top-1 and the confusion matrix go to the run folder's evaluation/
    Path evaluation = dir.resolve("runs").resolve("teacher").resolve("evaluation");
    assertEquals(evaluation.resolve("per-class.csv").toString(), acc.getString("per_class"));
    List<String> perClass = Files.readAllLines(evaluation.resolve("per-class.csv"));
    assertEquals(
        List.of("class", "clips", "top1", "unpredicted", "most_confused_with", "times"),
        List.of(perClass.get(0).split(",")));
    assertEquals(1 + index.classes().size(), perClass.size());
    List<String> matrix = Files.readAllLines(evaluation.resolve("confusion.csv"));
    long counted = 0;
    long right = 0;
    for (int row = 1; row < matrix.size(); row++) {
      String[] cells = matrix.get(row).split(",");
      assertEquals(index.classes().get(row - 1), cells[0]);
      for (int p = 1; p < cells.length; p++) {
        counted += Long.parseLong(cells[p]);
        right += p == row ? Long.parseLong(cells[p]) : 0;
      }
    }
    assertEquals(test, counted, "every test clip lands in one cell");
    assertEquals(top1, 100.0 * right / test, 1e-9, "the diagonal is the Top-1");
    assertTrue(Files.size(evaluation.resolve("confusion.png")) > 0);
    assertTrue(Files.size(evaluation.resolve("per-class.png")) > 0);

    // A corrupt file in a copy of the set is reported as bad, with a reason.
    Path copy = dir.resolve("data-corrupt");
    try (var walk = Files.walk(root)) {
      for (Path p : walk.toList()) {
        Path q = copy.resolve(root.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(q);
        } else {
          Files.copy(p, q);
        }
      }
    }
    Path victim = copy.resolve(root.relativize(index.train().get(3).path()).toString());
    byte[] junk = new byte[2048];
    new Random(5).nextBytes(junk);
    Files.write(victim, junk);
    Result bad = run(args("scan", tiny(copy, "run.name=teacher"), "--json"));
    assertEquals(0, bad.code(), bad.err());
    Config badReport = json(bad.out());
    assertEquals(train + test, badReport.getInt("files"));
    List<? extends Config> findings = badReport.getConfigList("bad");
    assertEquals(1, findings.size(), bad.out());
    assertEquals(
        victim.getFileName().toString(),
        Path.of(findings.get(0).getString("path")).getFileName().toString());
    assertFalse(findings.get(0).getString("reason").isBlank(), "the bad file has a reason");
    assertEquals(train + test - 1, badReport.getInt("ok"));
    Result strict = run(args("scan", tiny(copy, "run.name=teacher"), "--strict"));
    assertEquals(1, strict.code(), strict.err());
    assertTrue(strict.err().contains("scan --strict: 1 bad files"), strict.err());
  }
}

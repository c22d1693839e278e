package org.sakd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a test of a real cluster run needs: the tiny set with a 1-epoch r3d-micro teacher, the
 * layout lines that point at them, free loopback ports, and a {@code sakd} command for child JVMs
 * (the command line from the test class path; launch-cluster takes it as SAKD_CMD).
 */
final class TinyCluster {
  private TinyCluster() {}

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** Generates the tiny set in {@code dir} and trains run "teacher" on it for one epoch. */
  static void prepare(Path dir) {
    List<String> set =
        List.of(
            "data.clip.frames=4",
            "model.teacher=r3d-micro",
            "model.student=r3d-micro",
            "train.epochs=1",
            "run.name=teacher");
    assertEquals(0, TinySet.run(dir, List.of(), "generate"));
    assertEquals(0, TinySet.run(dir, set, "train-teacher"));
  }

  /** Layout lines for the tiny set and its teacher, without the cluster block. */
  static StringBuilder runLines(Path dir) {
    StringBuilder conf = new StringBuilder();
    for (String a : TinySet.args(dir)) {
      if (!a.equals("--set")) {
        conf.append(a).append('\n');
      }
    }
    return conf.append("data.clip.frames = 4\n")
        .append("model.teacher = r3d-micro\nmodel.student = r3d-micro\n")
        .append("model.teacher-checkpoint = \"")
        .append(dir.resolve("runs/teacher/checkpoints/best.ckpt"))
        .append("\"\n")
        .append("sakd.ratio = 0.5\ntrain.compute-threads = 1\ndata.decoders = 1\n");
  }

  /** An executable {@code dir/sakd} that runs the command line in a child JVM. */
  static Path sakdCommand(Path dir) throws IOException {
    Path sakd = dir.resolve("sakd");
    Files.writeString(
        sakd,
        "#!/bin/sh\nexec '"
            + Path.of(System.getProperty("java.home"), "bin", "java")
            + "' -Xmx1g --add-modules jdk.incubator.vector -Dai.djl.offline=true -cp '"
            + System.getProperty("java.class.path")
            + "' org.sakd.cli.Main \"$@\"\n");
    Files.setPosixFilePermissions(sakd, PosixFilePermissions.fromString("rwxr-xr-x"));
    return sakd;
  }

  /** The exit code of {@code p}; fails with its output {@code out} if it runs past the limit. */
  static int waitFor(Process p, Path out, int seconds) throws Exception {
    if (!p.waitFor(seconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("did not end in " + seconds + " s: " + Files.readString(out));
    }
    return p.exitValue();
  }

  /** Starts {@code scripts/launch-cluster layout more…} with its output in {@code out}. */
  static Process launch(Path layout, Path sakd, Path out, String... more) throws IOException {
    List<String> cmd =
        new ArrayList<>(List.of(Path.of("scripts/launch-cluster").toString(), layout.toString()));
    cmd.addAll(List.of(more));
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().put("SAKD_CMD", sakd.toString());
    pb.environment().put("SAKD_PROGRESS", "off");
    return pb.start();
  }

  /** Run {@code run}'s metrics.csv without the columns that are times or memory. */
  static List<String> computed(Path dir, String run) throws IOException {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(dir.resolve("runs/" + run + "/metrics.csv"))) {
      String[] c = line.split(",", -1);
      out.add(String.join(",", c[0], c[1], c[2], c[3], c[4], c[7], c[8], c[9]));
    }
    return out;
  }

  /**
   * Waits until the coordinator of run {@code run} logs {@code line}, then SIGKILLs the process
   * group (the node's JVM with it) of the node launch-cluster named {@code who}; returns when.
   */
  static long killOnceLogged(Path dir, Process p, Path out, String run, String line, String who)
      throws Exception {
    Path coordinatorLog = dir.resolve("runs/" + run + "-nodes/coordinator.log");
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
    while (System.nanoTime() < deadline
        && p.isAlive()
        && !(Files.exists(coordinatorLog) && Files.readString(coordinatorLog).contains(line))) {
      Thread.sleep(100);
    }
    Matcher m =
        Pattern.compile(Pattern.quote(who) + " at \\S+ \\(pid (\\d+)")
            .matcher(Files.readString(out));
    assertTrue(p.isAlive() && m.find(), "the run ended before the kill: " + Files.readString(out));
    long killedAt = System.currentTimeMillis();
    new ProcessBuilder("kill", "-KILL", "--", "-" + m.group(1)).start().waitFor();
    return killedAt;
  }
}

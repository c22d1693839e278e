package org.sakd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

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
}

package org.sakd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster run over TLS (cluster.tls, keys from scripts/make-cluster-keys, passwords from the
 * environment): the coordinator and one trainer JVM on loopback finish it, and the password shows
 * nowhere in the run's files; a node with another cluster's keys cannot join, and the coordinator
 * names it as missing.
 */
class ClusterTlsTest {
  private static final String PASSWORD = "tls-test-Secret-7";

  @TempDir Path dir;

  private Path layout;
  private Path sakd;
  private int trainerPort;

  private void makeKeys(Path keys) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder("scripts/make-cluster-keys", keys.toString()).redirectErrorStream(true);
    pb.environment().put("SAKD_TLS_PASSWORD", PASSWORD);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), out);
  }

  @BeforeEach
  void setUp() throws Exception {
    TinyCluster.prepare(dir);
    makeKeys(dir.resolve("keys"));
    makeKeys(dir.resolve("other-keys"));
    trainerPort = TinyCluster.freePort();
    layout = dir.resolve("cluster-tls.conf");
    StringBuilder conf = TinyCluster.runLines(dir);
    conf.append("cluster.coordinator = \"127.0.0.1:")
        .append(TinyCluster.freePort())
        .append("\"\ncluster.trainers = [\"127.0.0.1:")
        .append(trainerPort)
        .append("/cpu\"]\ncluster.join-timeout-seconds = 60\n")
        .append("cluster.tls {\n  enabled = true\n")
        .append("  key-store = \"")
        .append(dir.resolve("keys/node.p12"))
        .append("\"\n  trust-store = \"")
        .append(dir.resolve("keys/trust.p12"))
        .append("\"\n  key-store-password = ${?SAKD_TLS_PASSWORD}\n")
        .append("  trust-store-password = ${?SAKD_TLS_PASSWORD}\n}\n");
    Files.writeString(layout, conf);
    sakd = TinyCluster.sakdCommand(dir);
  }

  private Process start(Path out, List<String> cmd) throws IOException {
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().put("SAKD_CMD", sakd.toString());
    pb.environment().put("SAKD_PROGRESS", "off");
    pb.environment().put("SAKD_TLS_PASSWORD", PASSWORD);
    return pb.start();
  }

  @Test
  void aRunOverTlsFinishesAndKeepsThePasswordOutOfItsFiles() throws Exception {
    Path out = dir.resolve("launch.log");
    Process p =
        start(
            out,
            List.of(
                "scripts/launch-cluster",
                layout.toString(),
                "--set",
                "run.name=tls",
                "--set",
                "train.epochs=2"));
    assertEquals(0, TinyCluster.waitFor(p, out, 300), Files.readString(out));
    String events = Files.readString(dir.resolve("runs/tls/events.jsonl"));
    assertTrue(events.contains("\"type\":\"cluster\""), events);
    assertTrue(events.contains("\"transport\":\"tls-tcp\""), events);
    assertTrue(
        Files.readString(dir.resolve("runs/tls-nodes/trainer-0.log"))
            .contains("joined the run as rank 0 of 1"),
        "the trainer took part");
    assertEquals(3, Files.readAllLines(dir.resolve("runs/tls/metrics.csv")).size());
    String config = Files.readString(dir.resolve("runs/tls/config.conf"));
    assertTrue(config.contains("key-store-password=\"***\""), config);
    List<Path> files = new ArrayList<>(List.of(out));
    try (var walk = Files.walk(dir.resolve("runs"))) {
      walk.filter(Files::isRegularFile).forEach(files::add);
    }
    for (Path f : files) {
      assertTrue(
          !new String(Files.readAllBytes(f), java.nio.charset.StandardCharsets.ISO_8859_1)
              .contains(PASSWORD),
          "the password is in " + f);
    }
  }

  @Test
  void aNodeWithAnotherClustersKeysCannotJoin() throws Exception {
    Path trainerOut = dir.resolve("trainer.log");
    Process trainer =
        start(
            trainerOut,
            List.of(
                sakd.toString(),
                "node",
                "-c",
                layout.toString(),
                "--role",
                "trainer",
                "--index",
                "0",
                "--set",
                "run.name=stranger",
                "--set",
                "cluster.tls.key-store=\"" + dir.resolve("other-keys/node.p12") + "\"",
                "--set",
                "cluster.tls.trust-store=\"" + dir.resolve("other-keys/trust.p12") + "\""));
    Path coordinatorOut = dir.resolve("coordinator.log");
    Process coordinator =
        start(
            coordinatorOut,
            List.of(
                sakd.toString(),
                "node",
                "-c",
                layout.toString(),
                "--role",
                "coordinator",
                "--set",
                "run.name=stranger",
                "--set",
                "cluster.join-timeout-seconds=20"));
    try {
      assertEquals(
          2,
          TinyCluster.waitFor(coordinator, coordinatorOut, 120),
          "the coordinator names who is missing with exit code 2: "
              + Files.readString(coordinatorOut));
    } finally {
      trainer.destroy();
      trainer.waitFor(20, java.util.concurrent.TimeUnit.SECONDS);
      trainer.destroyForcibly();
    }
    String events = Files.readString(dir.resolve("runs/stranger/events.jsonl"));
    assertTrue(events.contains("0 of 1 trainer nodes joined within 20 s"), events);
    assertTrue(events.contains("missing: 127.0.0.1:" + trainerPort), events);
    assertTrue(
        !Files.readString(trainerOut).contains("joined the run as rank"),
        Files.readString(trainerOut));
  }
}

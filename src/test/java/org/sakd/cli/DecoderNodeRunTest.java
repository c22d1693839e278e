package org.sakd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Decoder nodes for real: {@code scripts/launch-cluster} starts a coordinator, one trainer node and
 * the decoder node that decodes that trainer's clips (cluster.decoders). The run computes what the
 * same layout computes without the decoder node (metrics without times, every selection file); with
 * the decoder node SIGKILLed mid-run the trainer decodes what it did not deliver, and the run still
 * computes the same, every epoch training the same clips.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DecoderNodeRunTest {
  private static final int EPOCHS = 4;

  @TempDir static Path dir;

  private Path layout;
  private Path sakd;

  /**
   * Tiny data, a 1-epoch teacher, a layout with one trainer and its decoder node on free ports, and
   * the run without the decoder node that the others are compared with.
   */
  @BeforeAll
  void setUp() throws Exception {
    TinyCluster.prepare(dir);
    layout = dir.resolve("cluster.conf");
    StringBuilder conf =
        TinyCluster.runLines(dir)
            .append("cluster.coordinator = \"127.0.0.1:")
            .append(TinyCluster.freePort())
            .append("\"\ncluster.trainers = [\"127.0.0.1:")
            .append(TinyCluster.freePort())
            .append("/cpu\"]\ncluster.decoders = [\"127.0.0.1:")
            .append(TinyCluster.freePort())
            .append("/0\"]\ncluster.join-timeout-seconds = 60\n")
            .append("train.epochs = ")
            .append(EPOCHS)
            .append("\n");
    Files.writeString(layout, conf);
    sakd = TinyCluster.sakdCommand(dir);
    Path out = dir.resolve("local.log");
    int rc =
        TinyCluster.waitFor(
            TinyCluster.launch(
                layout, sakd, out, "--set", "run.name=local", "--set", "cluster.decoders=[]"),
            out,
            300);
    assertEquals(0, rc, Files.readString(out));
    assertTrue(!Files.readString(out).contains("decoder 0 at"), "no decoder node without one");
  }

  private void assertComputesWhatTheLocalRunComputes(String run) throws Exception {
    List<String> rows = TinyCluster.computed(dir, run);
    assertEquals(EPOCHS + 1, rows.size(), "a header and every epoch: " + rows);
    assertEquals(TinyCluster.computed(dir, "local"), rows, "the trained_samples column included");
    for (int e = 1; e <= EPOCHS; e++) {
      String sel = String.format("selection/epoch-%03d.csv", e);
      assertEquals(
          Files.readString(dir.resolve("runs/local/" + sel)),
          Files.readString(dir.resolve("runs/" + run + "/" + sel)),
          sel);
    }
  }

  @Test
  void aDecoderNodeChangesNothingTheRunComputes() throws Exception {
    Path out = dir.resolve("decoded.log");
    int rc =
        TinyCluster.waitFor(
            TinyCluster.launch(layout, sakd, out, "--set", "run.name=decoded"), out, 300);
    assertEquals(0, rc, Files.readString(out));
    assertComputesWhatTheLocalRunComputes("decoded");
    assertTrue(
        !Files.readString(dir.resolve("runs/decoded/events.jsonl")).contains("decoder-lost"),
        "no decoder node was lost");
    String trainer = Files.readString(dir.resolve("runs/decoded-nodes/trainer-0.log"));
    assertTrue(trainer.contains("decoding with the decoder node at"), trainer);
    assertTrue(!trainer.contains("this node decodes"), "the decoder node delivered every clip");
    String decoder = Files.readString(dir.resolve("runs/decoded-nodes/decoder-0.log"));
    Matcher served = Pattern.compile("left the cluster after (\\d+) clips").matcher(decoder);
    assertTrue(served.find(), decoder);
    assertTrue(Integer.parseInt(served.group(1)) > 0, decoder);
  }

  @Test
  void aDecoderNodeKilledMidRunLeavesItsClipsToTheTrainer() throws Exception {
    Path out = dir.resolve("killed.log");
    Process p = TinyCluster.launch(layout, sakd, out, "--set", "run.name=killed");
    java.time.LocalTime killedAt =
        java.time.Instant.ofEpochMilli(
                TinyCluster.killOnceLogged(dir, p, out, "killed", "epoch 2/" + EPOCHS, "decoder 0"))
            .atZone(java.time.ZoneId.systemDefault())
            .toLocalTime();
    int rc = TinyCluster.waitFor(p, out, 300);
    assertEquals(0, rc, Files.readString(out));
    assertComputesWhatTheLocalRunComputes("killed");
    // the coordinator records the loss when its failure detector sees it before the run ends (the
    // last two epochs can take less than the ~9 s that takes): then in both files, before
    // "finished"; otherwise in neither
    String events = Files.readString(dir.resolve("runs/killed/events.jsonl"));
    String nodes = Files.readString(dir.resolve("runs/killed/cluster.json"));
    boolean recorded = events.contains("\"type\":\"decoder-lost\"");
    assertEquals(recorded, nodes.contains("decoder node 127.0.0.1:"), events + "\n" + nodes);
    if (recorded) {
      assertTrue(events.contains("\"trainer\":0") && nodes.contains("is unreachable"), nodes);
      assertTrue(
          events.indexOf("\"type\":\"decoder-lost\"") < events.indexOf("\"type\":\"finished\""),
          events);
    }
    System.out.println("the coordinator recorded the decoder node's loss: " + recorded);
    String trainer = Files.readString(dir.resolve("runs/killed-nodes/trainer-0.log"));
    assertTrue(
        trainer.contains("decoding with the decoder node at")
            && trainer.contains("decoder node lost: 127.0.0.1:"),
        "the trainer names the lost decoder node: " + trainer);
    Matcher used =
        Pattern.compile("(\\d\\d:\\d\\d:\\d\\d\\.\\d+) INFO .*decoding with the decoder node")
            .matcher(trainer);
    assertTrue(
        used.find() && java.time.LocalTime.parse(used.group(1)).isBefore(killedAt),
        "the decoder node decoded before it was killed at " + killedAt + ": " + trainer);
    Matcher lost =
        Pattern.compile("(\\d\\d:\\d\\d:\\d\\d\\.\\d+) WARN .*decoder node lost").matcher(trainer);
    assertTrue(lost.find(), trainer);
    System.out.printf(
        "decoder node lost noticed %.1f s after SIGKILL; the trainer decoded the rest:%n%s%n",
        java.time.Duration.between(killedAt, java.time.LocalTime.parse(lost.group(1))).toMillis()
            / 1000.0,
        String.join("\n", trainer.lines().filter(l -> l.contains("DecoderLink")).toList()));
  }
}

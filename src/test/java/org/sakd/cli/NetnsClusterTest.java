package org.sakd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two hosts for real: scripts/netns-cluster runs conf/cluster-two-hosts.conf (coordinator and
 * trainer 0 on 10.77.0.1, trainer 1 on 10.77.0.2) in two network namespaces joined by a veth pair,
 * on the tiny set. Needs root and a working {@code ip netns}; skipped otherwise.
 */
class NetnsClusterTest {
  @TempDir Path dir;

  /** Null when this process can make network namespaces, else why not. */
  private static String whyNoNetns() throws Exception {
    Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
    String uid = new String(id.getInputStream().readAllBytes()).trim();
    id.waitFor();
    if (!uid.equals("0")) {
      return "not root (uid " + uid + "): network namespaces need root";
    }
    String probe = "sakd-probe-" + ProcessHandle.current().pid();
    Process add;
    try {
      add = new ProcessBuilder("ip", "netns", "add", probe).redirectErrorStream(true).start();
    } catch (java.io.IOException e) {
      return "no 'ip' command (iproute2): " + e.getMessage();
    }
    String said = new String(add.getInputStream().readAllBytes()).trim();
    if (add.waitFor() != 0) {
      return "'ip netns add' does not work here: " + said;
    }
    new ProcessBuilder("ip", "netns", "del", probe).start().waitFor();
    return null;
  }

  private static String namespaces() throws Exception {
    Process p = new ProcessBuilder("ip", "netns", "list").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    p.waitFor();
    return out;
  }

  @Test
  void aRunAcrossTwoNetworkNamespacesFinishesWithBothTrainers() throws Exception {
    String why = whyNoNetns();
    assumeTrue(why == null, why);
    TinyCluster.prepare(dir);
    Path sakd = TinyCluster.sakdCommand(dir);
    // unique per test run: runs side by side must not share namespace names
    String prefix = "sakd" + Long.toHexString(System.nanoTime() & 0xffffff);
    List<String> cmd =
        new ArrayList<>(List.of("scripts/netns-cluster", "conf/cluster-two-hosts.conf"));
    cmd.addAll(
        TinySet.args(
            dir,
            "data.clip.frames=4",
            "model.teacher=r3d-micro",
            "model.student=r3d-micro",
            "model.teacher-checkpoint=\""
                + dir.resolve("runs/teacher/checkpoints/best.ckpt")
                + "\"",
            "sakd.ratio=0.5",
            "train.epochs=2",
            "cluster.join-timeout-seconds=60",
            "run.name=two-hosts"));
    Path out = dir.resolve("netns.log");
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().put("SAKD_CMD", sakd.toString());
    pb.environment().put("SAKD_PROGRESS", "off");
    pb.environment().put("SAKD_NETNS_PREFIX", prefix);
    Process p = pb.start();
    int rc;
    try {
      rc = TinyCluster.waitFor(p, out, 300);
    } finally {
      if (p.isAlive()) {
        p.destroy();
        p.waitFor(30, TimeUnit.SECONDS);
      }
    }
    String said = Files.readString(out);
    assertEquals(0, rc, said);
    Path nodes = dir.resolve("runs/two-hosts-nodes");
    for (int t = 0; t < 2; t++) {
      assertTrue(
          Files.readString(nodes.resolve("trainer-" + t + ".log"))
              .contains("joined the run as rank"),
          "trainer " + t + " took part: " + said);
    }
    String events = Files.readString(dir.resolve("runs/two-hosts/events.jsonl"));
    assertTrue(
        events.contains("\"address\":\"pekko://sakd@10.77.0.1:25521\"")
            && events.contains("\"address\":\"pekko://sakd@10.77.0.2:25521\""),
        "the cluster formed across both hosts: " + events);
    assertEquals(3, Files.readAllLines(dir.resolve("runs/two-hosts/metrics.csv")).size());
    assertTrue(!namespaces().contains(prefix), "the namespaces are removed: " + namespaces());
  }
}

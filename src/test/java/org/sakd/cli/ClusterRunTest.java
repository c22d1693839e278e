package org.sakd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster runs for real: {@code scripts/launch-cluster} starts a coordinator and two trainer JVMs
 * on loopback ports. The run equals one JVM with two replicas ({@code train.devices=[cpu,cpu]}) bit
 * for bit; a trainer killed with SIGKILL mid-run is survived; a node that differs is refused and a
 * missing one is named. The child JVMs run the command line from the test class path.
 */
class ClusterRunTest {
  @TempDir Path dir;

  private Path layout;
  private Path sakd;
  private int coordinatorPort;

  /** Tiny data, a 1-epoch teacher, a layout file with free ports, the command for child JVMs. */
  @BeforeEach
  void setUp() throws Exception {
    TinyCluster.prepare(dir);
    coordinatorPort = TinyCluster.freePort();
    layout = dir.resolve("cluster.conf");
    StringBuilder conf =
        TinyCluster.runLines(dir)
            .append("cluster.coordinator = \"127.0.0.1:")
            .append(coordinatorPort)
            .append("\"\n")
            .append("cluster.trainers = [\"127.0.0.1:")
            .append(TinyCluster.freePort())
            .append("/cpu\", \"127.0.0.1:")
            .append(TinyCluster.freePort())
            .append("/cpu\"]\n")
            .append("cluster.join-timeout-seconds = 60\n");
    Files.writeString(layout, conf);
    sakd = TinyCluster.sakdCommand(dir);
  }

  private Process launch(Path out, String... more) throws IOException {
    return TinyCluster.launch(layout, sakd, out, more);
  }

  private static int waitFor(Process p, Path out) throws Exception {
    return TinyCluster.waitFor(p, out, 300);
  }

  private List<String> computed(String run) throws IOException {
    return TinyCluster.computed(dir, run);
  }

  @Test
  void twoTrainerJvmsComputeWhatOneJvmWithTwoReplicasComputes() throws Exception {
    // the same run three ways: launch-cluster's layout, one JVM with two replicas, and distill
    // with two devices (a trainer JVM per device)
    // random clip sampling: the teacher's outputs are computed per step, not cached from the
    // first batch a clip met (whose composition can change a convolution's last bits)
    Path out = dir.resolve("launch.log");
    Process p =
        launch(
            out,
            "--set",
            "run.name=cluster",
            "--set",
            "train.epochs=3",
            "--set",
            "data.train-sampling=random");
    int rc = waitFor(p, out);
    assertEquals(0, rc, Files.readString(out));
    assertEquals(
        0,
        Main.execute(
            "distill",
            "-c",
            layout.toString(),
            "--set",
            "run.name=one-jvm",
            "--set",
            "train.epochs=3",
            "--set",
            "data.train-sampling=random",
            "--set",
            "train.devices=[cpu,cpu]",
            "--set",
            "train.replicas-in=one-jvm"));
    // distill with two devices: one trainer JVM per device, through the same cluster code
    assertEquals(
        0,
        Main.execute(
            "distill",
            "-c",
            layout.toString(),
            "--set",
            "run.name=per-device",
            "--set",
            "train.epochs=3",
            "--set",
            "data.train-sampling=random",
            "--set",
            "train.devices=[cpu,cpu]"));
    assertTrue(Files.exists(dir.resolve("runs/per-device-nodes/trainer-1.log")));
    List<String> cluster = computed("cluster");
    assertEquals(4, cluster.size(), "a header and 3 epochs: " + cluster);
    assertEquals(computed("one-jvm"), cluster);
    assertEquals(computed("per-device"), cluster);
    for (int e = 1; e <= 3; e++) {
      String sel = String.format("selection/epoch-%03d.csv", e);
      assertEquals(
          Files.readString(dir.resolve("runs/one-jvm/" + sel)),
          Files.readString(dir.resolve("runs/cluster/" + sel)),
          sel);
    }
    String events = Files.readString(dir.resolve("runs/cluster/events.jsonl"));
    assertTrue(events.contains("\"type\":\"cluster\""), events);
    String nodes = Files.readString(dir.resolve("runs/cluster/cluster.json"));
    assertTrue(
        nodes.contains("\"rank\":1") && nodes.contains("\"allreduce_share_of_step\":0."), nodes);
    assertTrue(nodes.contains("\"faults\":[]"), nodes);
    // the scoring pass ran on the trainer nodes: 18 clips x 3 epochs between them
    java.util.regex.Matcher scored = Pattern.compile("\"scored_samples\":(\\d+)").matcher(nodes);
    int sum = 0;
    while (scored.find()) {
      assertTrue(Integer.parseInt(scored.group(1)) > 0, nodes);
      sum += Integer.parseInt(scored.group(1));
    }
    assertEquals(54, sum, nodes);
    assertTrue(
        Files.readString(dir.resolve("runs/cluster-nodes/trainer-1.log"))
            .contains("joined the run as rank"),
        "trainer 1 took part");
    // the coordinator checks the teacher and frees it: only the trainer nodes hold one
    String coordinator = Files.readString(dir.resolve("runs/cluster-nodes/coordinator.log"));
    assertTrue(coordinator.contains(": checked here, run by each trainer node"), coordinator);
  }

  private long killOnceLogged(Process p, Path out, String run, String line, String who)
      throws Exception {
    return TinyCluster.killOnceLogged(dir, p, out, run, line, who);
  }

  @Test
  void aTrainerKilledMidRunIsSurvived() throws Exception {
    Path out = dir.resolve("launch.log");
    Process p = launch(out, "--set", "run.name=lossy", "--set", "train.epochs=30");
    long killedAt = killOnceLogged(p, out, "lossy", "epoch 3/30", "trainer 1");
    int rc = waitFor(p, out);
    assertEquals(0, rc, Files.readString(out));
    List<String> rows = computed("lossy");
    assertEquals(31, rows.size(), "every epoch trained: " + rows);
    String events = Files.readString(dir.resolve("runs/lossy/events.jsonl"));
    assertTrue(events.contains("\"type\":\"trainer-lost\""), events);
    assertTrue(events.contains("\"type\":\"resume\""), events);
    Matcher lost =
        Pattern.compile("\"time\":\"([^\"]+)\",\"type\":\"trainer-lost\"").matcher(events);
    assertTrue(lost.find());
    String nodes = Files.readString(dir.resolve("runs/lossy/cluster.json"));
    assertTrue(nodes.contains("\"attempts\":2") && nodes.contains("is unreachable"), nodes);
    System.out.printf(
        "trainer lost noticed %.1f s after SIGKILL%n",
        (java.time.Instant.parse(lost.group(1)).toEpochMilli() - killedAt) / 1000.0);
  }

  @Test
  void aCoordinatorKilledMidRunContinuesFromItsLastCheckpointWithResume() throws Exception {
    Path out = dir.resolve("launch.log");
    Process p = launch(out, "--set", "run.name=headless", "--set", "train.epochs=20");
    killOnceLogged(p, out, "headless", "epoch 4/20", "coordinator");
    assertEquals(137, waitFor(p, out), "launch-cluster ends with the coordinator's code");
    int done =
        org.sakd.checkpoint.CheckpointStore.read(
                    dir.resolve(
                        "runs/headless/checkpoints/" + org.sakd.checkpoint.CheckpointStore.LAST))
                .getEpoch()
            + 1;
    assertTrue(done >= 4 && done < 20, "killed after epoch " + done);
    Path again = dir.resolve("resume.log");
    int rc =
        waitFor(
            launch(again, "--set", "run.name=headless", "--set", "train.epochs=20", "--resume"),
            again);
    assertEquals(0, rc, Files.readString(again));
    List<String> epochs = new ArrayList<>();
    for (String row : computed("headless").subList(1, 21)) {
      epochs.add(row.split(",")[1]);
    }
    assertEquals(
        java.util.stream.IntStream.rangeClosed(1, 20).mapToObj(Integer::toString).toList(),
        epochs,
        "every epoch once");
    String events = Files.readString(dir.resolve("runs/headless/events.jsonl"));
    assertTrue(events.contains("\"type\":\"resume\",\"after_epoch\":" + (done - 1)), events);
    assertTrue(
        Files.readString(again).contains("epoch " + (done + 1) + "/20"), Files.readString(again));
  }

  private static java.net.http.HttpResponse<String> http(String method, java.net.URI uri)
      throws Exception {
    return java.net.http.HttpClient.newHttpClient()
        .send(
            java.net.http.HttpRequest.newBuilder(uri)
                .method(method, java.net.http.HttpRequest.BodyPublishers.noBody())
                .timeout(java.time.Duration.ofSeconds(10))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
  }

  /**
   * GETs {@code uri} until its body matches {@code pattern} (within 3 minutes, while {@code run}
   * runs); returns it.
   */
  private static String awaitBody(java.net.URI uri, String pattern, Process run, Path out)
      throws Exception {
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    String last = "(no answer)";
    while (System.nanoTime() < deadline && run.isAlive()) {
      try {
        var r = http("GET", uri);
        last = r.statusCode() + " " + r.body();
        if (r.statusCode() == 200 && Pattern.compile(pattern).matcher(r.body()).find()) {
          return r.body();
        }
      } catch (IOException e) {
        last = e.toString();
      }
      Thread.sleep(500);
    }
    throw new AssertionError(
        uri + " never matched " + pattern + "; last: " + last + "\n" + Files.readString(out));
  }

  private static int eventsOnBoard(String state) {
    Matcher m = Pattern.compile("\"events\":(\\d+)").matcher(state);
    assertTrue(m.find(), state);
    return Integer.parseInt(m.group(1));
  }

  @Test
  void aMonitorNodeServesTheRunReadOnlyAndOutlivesAKilledCoordinator() throws Exception {
    // one trainer, a monitor node; monitor.http.enabled is on in the layout as well: with a monitor
    // node the coordinator serves no dashboard of its own, so the two cannot take the same port
    int trainerPort = TinyCluster.freePort();
    int monitorPort = TinyCluster.freePort();
    int httpPort = TinyCluster.freePort();
    Files.writeString(
        layout,
        TinyCluster.runLines(dir)
            .append("cluster.coordinator = \"127.0.0.1:" + coordinatorPort + "\"\n")
            .append("cluster.trainers = [\"127.0.0.1:" + trainerPort + "/cpu\"]\n")
            .append("cluster.monitor = \"127.0.0.1:" + monitorPort + "\"\n")
            .append("cluster.join-timeout-seconds = 60\n")
            .append("monitor.http.enabled = true\nmonitor.http.port = " + httpPort + "\n"));
    Path out = dir.resolve("launch.log");
    Path nodes = dir.resolve("runs/watched-nodes");
    Process p = launch(out, "--set", "run.name=watched", "--set", "train.epochs=12");
    java.net.URI base = java.net.URI.create("http://127.0.0.1:" + httpPort + "/");
    ProcessHandle monitor = null;
    try {
      // an epoch of the run, as the coordinator logged it, on the monitor's board
      String state = awaitBody(base.resolve("api/state"), "\"epoch\":[1-9]", p, out);
      assertTrue(state.contains("\"run\":\"watched\""), state);
      assertTrue(
          http("GET", base.resolve("metrics")).body().contains("sakd_top1_percent"),
          "Prometheus metrics on the monitor");
      // the three nodes, each with its role, Up
      String members =
          awaitBody(base.resolve("cluster/members"), "(?s)(.*\"status\":\"Up\"){3}", p, out);
      for (String[] node :
          List.of(
              new String[] {"coordinator", Integer.toString(coordinatorPort)},
              new String[] {"trainer", Integer.toString(trainerPort)},
              new String[] {"monitor", Integer.toString(monitorPort)})) {
        assertTrue(
            Pattern.compile(
                    "\"node\":\"pekko://sakd@127.0.0.1:"
                        + node[1]
                        + "\",\"nodeUid\":\"-?\\d+\",\"roles\":\\[\""
                        + node[0]
                        + "\",\"dc-default\"\\],\"status\":\"Up\"")
                .matcher(members)
                .find(),
            node[0] + " Up in " + members);
      }
      // nothing changes membership over HTTP: the trainer stays Up and the run goes on
      String trainer = "cluster/members/sakd@127.0.0.1:" + trainerPort;
      for (String method : List.of("PUT", "POST", "DELETE")) {
        for (String path : List.of("cluster/members", trainer)) {
          int code = http(method, base.resolve(path)).statusCode();
          assertEquals(405, code, method + " " + path + " is refused: Method Not Allowed");
        }
      }
      var still = http("GET", base.resolve(trainer));
      assertEquals(200, still.statusCode(), still.body());
      assertTrue(still.body().contains("\"status\":\"Up\""), still.body());
      assertTrue(
          !Files.readString(nodes.resolve("coordinator.log")).contains("dashboard:"),
          "the coordinator serves no dashboard beside the monitor node's");
      assertTrue(
          Files.readString(nodes.resolve("monitor.log")).contains("dashboard: " + base),
          "the monitor node prints its URL");

      // the coordinator is SIGKILLed: launch-cluster ends with its code, the monitor node serves on
      monitor =
          ProcessHandle.of(Long.parseLong(Files.readString(nodes.resolve("monitor.pid")).trim()))
              .orElseThrow();
      Matcher coordinator =
          Pattern.compile("coordinator at \\S+ \\(pid (\\d+)").matcher(Files.readString(out));
      assertTrue(
          p.isAlive() && coordinator.find(), "the run ended first: " + Files.readString(out));
      new ProcessBuilder("kill", "-KILL", "--", "-" + coordinator.group(1)).start().waitFor();
      assertEquals(137, waitFor(p, out));
      assertTrue(Files.readString(out).contains("serves on for a --resume"), Files.readString(out));
      assertTrue(monitor.isAlive(), "the monitor node outlives the killed coordinator");
      int had = eventsOnBoard(http("GET", base.resolve("api/state")).body());
      assertTrue(had >= 3, "the events it had: " + had);
      // the cluster downs the monitor node, cut off from the oldest member; it joins again
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
      while (!Files.readString(nodes.resolve("monitor.log")).contains("joining again")
          && System.nanoTime() < deadline) {
        Thread.sleep(500);
      }
      assertTrue(monitor.isAlive(), Files.readString(nodes.resolve("monitor.log")));

      Path again = dir.resolve("resume.log");
      p = launch(again, "--set", "run.name=watched", "--set", "train.epochs=12", "--resume");
      // the same monitor node, port and board: the resumed run's events follow the ones it had,
      // each event of events.jsonl once
      state = awaitBody(base.resolve("api/state"), "\"ended\":true", p, again);
      assertEquals(0, waitFor(p, again), Files.readString(again));
      assertTrue(
          Files.readString(again).contains("runs on (pid " + monitor.pid() + ","),
          Files.readString(again));
      long lines = Files.readAllLines(dir.resolve("runs/watched/events.jsonl")).size();
      assertEquals(lines, eventsOnBoard(state), state);
      assertTrue(lines > had, state);
      assertTrue(state.contains("\"epoch\":12"), state);
      // a run that finished stops its monitor node
      monitor.onExit().get(30, TimeUnit.SECONDS);
      assertTrue(!Files.exists(nodes.resolve("monitor.pid")));
    } finally {
      p.destroy(); // SIGTERM: launch-cluster stops every node it started
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), Files.readString(out));
      if (monitor != null) {
        monitor.destroyForcibly();
      }
    }
  }

  @Test
  void aNodeThatDiffersIsRefusedAndAMissingOneIsNamed() throws Exception {
    List<String> other =
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
            "model.student=r3d-tiny",
            "--set",
            "run.name=refused");
    Path trainerOut = dir.resolve("trainer.log");
    Process trainer =
        new ProcessBuilder(other)
            .redirectErrorStream(true)
            .redirectOutput(trainerOut.toFile())
            .start();
    int coordinator =
        Main.execute(
            "node",
            "-c",
            layout.toString(),
            "--role",
            "coordinator",
            "--set",
            "run.name=refused",
            "--set",
            "cluster.join-timeout-seconds=25");
    assertEquals(2, coordinator, "the coordinator names who is missing with exit code 2");
    assertTrue(trainer.waitFor(60, TimeUnit.SECONDS), "the refused node ends");
    String said = Files.readString(trainerOut);
    assertEquals(2, trainer.exitValue(), said);
    assertTrue(
        said.contains("refused this node: model differs: the node has r3d-tiny"),
        "the refusal names the difference: " + said);
    String events = Files.readString(dir.resolve("runs/refused/events.jsonl"));
    assertTrue(events.contains("0 of 2 trainer nodes joined within 25 s"), events);
    assertTrue(events.contains("missing: 127.0.0.1:"), events);
  }
}

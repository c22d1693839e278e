package org.sakd.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sakd.config.Settings;
import org.sakd.config.SettingsException;

/**
 * The dashboard's server over HTTP, fed through the run log's listener as a run feeds it: the
 * state, the Prometheus text, the event stream (replayed, resumed, ended), and that it lets go of
 * its port and threads when it closes.
 */
class MonitorServerTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir Path dir;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private RunLog log;
  private MonitorServer server;

  @BeforeEach
  void start() {
    log = new RunLog(dir);
    server =
        MonitorServer.start(
            "127.0.0.1",
            0,
            new RunBoard(
                new RunBoard.RunInfo(
                    "tiny",
                    "sakd",
                    3,
                    List.of(new RunBoard.Node("here:1", "coordinator", List.of("cpu"))))));
    server.subscribe(log);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private void epoch(int epoch, double top1, double alpha) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("mode", "sakd");
    row.put("epoch", epoch);
    row.put("train_loss", 1.5);
    row.put("top1", top1);
    row.put("top5", 100.0);
    row.put("trained_samples", 6);
    row.put("mean_alpha", alpha);
    log.event("epoch", row);
  }

  private String get(String path) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(server.url().resolve(path)).timeout(WAIT).build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), path + ": " + r.body());
    return r.body();
  }

  /** One server-sent event: its type, id and data. */
  record Sse(String type, String id, String data) {}

  /** Reads events until (and with) the first of type {@code until}; a wait with a timeout. */
  private List<Sse> readEvents(String lastEventId, String until) {
    return assertTimeoutPreemptively(
        WAIT,
        () -> {
          HttpRequest.Builder req =
              HttpRequest.newBuilder(server.url().resolve("events")).timeout(WAIT);
          if (lastEventId != null) {
            req.header("Last-Event-ID", lastEventId);
          }
          HttpResponse<Stream<String>> r =
              http.send(req.build(), HttpResponse.BodyHandlers.ofLines());
          assertEquals(200, r.statusCode());
          assertTrue(
              r.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
          List<Sse> out = new ArrayList<>();
          try (Stream<String> lines = r.body()) {
            Iterator<String> it = lines.iterator();
            String type = null;
            String id = null;
            StringBuilder data = new StringBuilder();
            while (it.hasNext()) {
              String line = it.next();
              if (line.startsWith("event:")) {
                type = line.substring(6).trim();
              } else if (line.startsWith("id:")) {
                id = line.substring(3).trim();
              } else if (line.startsWith("data:")) {
                data.append(line.substring(5).trim());
              } else if (line.isEmpty() && data.length() > 0) {
                out.add(new Sse(type, id, data.toString()));
                if (until.equals(type)) {
                  return out;
                }
                type = null;
                id = null;
                data.setLength(0);
              }
            }
          }
          return out;
        });
  }

  @Test
  void aClusterRunsTrainerNodesJoinTheNodeList() throws Exception {
    // a cluster run's admitted trainer nodes join the list
    log.event(
        "cluster",
        Map.of(
            "trainers",
            List.of(Map.of("rank", 0, "address", "pekko://sakd@127.0.0.1:25521", "device", "gpu1")),
            "ring",
            1));
    JsonObject trainer =
        JsonParser.parseString(get("api/state"))
            .getAsJsonObject()
            .getAsJsonArray("nodes")
            .get(1)
            .getAsJsonObject();
    assertEquals("trainer (rank 0)", trainer.get("role").getAsString());
    assertEquals("pekko://sakd@127.0.0.1:25521", trainer.get("name").getAsString());
    assertEquals("gpu1", trainer.getAsJsonArray("devices").get(0).getAsString());
  }

  @Test
  void stateMetricsAndEventsShowWhatTheRunLogged() throws Exception {
    Map<String, Object> sel = new LinkedHashMap<>();
    sel.put("epoch", 1);
    sel.put("size", 6);
    sel.put("per_class", Map.of("wave", 4, "jump", 2));
    log.event("selection", sel);
    epoch(1, 33.3, 0.25);
    epoch(2, 50.0, 0.5);
    new Progress("train 3/3", 12, new Progress.Position(new RunClock(3), 2, 0, 0.9)).step(4, 0.75);

    JsonObject state = JsonParser.parseString(get("api/state")).getAsJsonObject();
    assertEquals("tiny", state.get("run").getAsString());
    assertEquals("sakd", state.get("mode").getAsString());
    assertEquals(2, state.get("epoch").getAsInt());
    assertEquals("train", state.get("phase").getAsString());
    assertEquals(3, state.get("phase_epoch").getAsInt());
    assertEquals(50.0, state.get("top1").getAsDouble());
    assertEquals(0.5, state.get("mean_alpha").getAsDouble());
    assertEquals(6, state.get("subset_size").getAsInt());
    assertEquals(4, state.getAsJsonObject("selected_per_class").get("wave").getAsInt());
    JsonObject node = state.getAsJsonArray("nodes").get(0).getAsJsonObject();
    assertEquals("coordinator", node.get("role").getAsString());
    assertEquals("cpu", node.getAsJsonArray("devices").get(0).getAsString());

    String metrics = get("metrics");
    assertEquals(50.0, gauge(metrics, "sakd_top1_percent"));
    assertEquals(2.0, gauge(metrics, "sakd_epoch"));
    assertEquals(0.5, gauge(metrics, "sakd_mean_alpha"));
    assertEquals(6.0, gauge(metrics, "sakd_subset_size"));
    assertTrue(gauge(metrics, "sakd_clips_per_second") > 0);
    assertTrue(metrics.contains("jvm_memory_used_bytes"), "JVM metrics are there too");

    assertTrue(get("").contains("<svg id=\"acc\""), "the page");

    // a late client gets every event from the start, in order, each the events.jsonl object
    log.event("finished", Map.of("epochs", 2));
    List<Sse> events = readEvents(null, "finished");
    List<Sse> runEvents = events.stream().filter(e -> !"progress".equals(e.type())).toList();
    assertEquals(
        List.of("selection", "epoch", "epoch", "finished"),
        runEvents.stream().map(Sse::type).toList());
    assertEquals(
        List.of("1", "2", "3", "4"), runEvents.stream().map(Sse::id).toList(), "ids count events");
    JsonObject first = JsonParser.parseString(runEvents.get(1).data()).getAsJsonObject();
    assertEquals("epoch", first.get("type").getAsString());
    assertEquals(33.3, first.get("top1").getAsDouble());
    assertTrue(first.has("time"));
    // a browser that reconnects says what it has seen and gets the rest
    assertEquals(
        List.of("3", "4"),
        readEvents("2", "finished").stream()
            .filter(e -> !"progress".equals(e.type()))
            .map(Sse::id)
            .toList());
  }

  @Test
  void aLiveStreamGetsEventsAsTheyComeWithProgressBetween() throws Exception {
    Thread feeder =
        new Thread(
            () -> {
              Progress bar =
                  new Progress("score 1/3", 100, new Progress.Position(new RunClock(3), 0, 0, 0));
              for (int i = 0; i < 5; i++) {
                bar.step(1, 2.0);
                epoch(i + 1, 10 * i, 0.1 * i);
              }
              log.event("finished", Map.of("epochs", 5));
            });
    feeder.start();
    List<Sse> events = readEvents(null, "finished");
    feeder.join(WAIT.toMillis());
    assertEquals(5, events.stream().filter(e -> "epoch".equals(e.type())).count());
    // events are never dropped: ids 1..6 without a gap
    assertEquals(
        List.of("1", "2", "3", "4", "5", "6"),
        events.stream().filter(e -> e.id() != null).map(Sse::id).toList());
  }

  @Test
  void aClientThatNeverReadsDoesNotHoldTheRun() throws Exception {
    // opened, never read: the run logs on without waiting for it
    HttpResponse<java.io.InputStream> idle =
        http.send(
            HttpRequest.newBuilder(server.url().resolve("events")).timeout(WAIT).build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertTimeoutPreemptively(
        WAIT,
        () -> {
          Progress bar = new Progress("train 1/1", 100_000);
          for (int i = 0; i < 2_000; i++) {
            epoch(i, 1.0, 0.1);
            bar.step(1, 1.0);
          }
        });
    idle.body().close();
    assertEquals(2_000, server.board().eventsAfter(0).size(), "every event is kept");
  }

  @Test
  void closingFreesThePortAndStopsTheServersThreads() throws Exception {
    URI url = server.url();
    server.close();
    assertThrows(
        ConnectException.class,
        () ->
            http.send(
                HttpRequest.newBuilder(url.resolve("api/state")).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofString()));
    // executor threads end shortly after the actor system (a wait with a timeout)
    assertTimeoutPreemptively(
        WAIT,
        () -> {
          while (Thread.getAllStackTraces().keySet().stream()
              .anyMatch(t -> t.isAlive() && t.getName().startsWith("sakd-monitor"))) {
            Thread.sleep(50);
          }
        });
    epoch(1, 1, 1); // the log goes on without its listener
    assertEquals(0, server.board().eventsAfter(0).size());
  }

  @Test
  void theServersThreadsAreDaemons() {
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("sakd-monitor")) {
        assertTrue(t.isDaemon(), t.getName() + " would keep the JVM alive");
      }
    }
  }

  @Test
  void badMonitorSettingsNameTheirKey() {
    SettingsException e =
        assertThrows(
            SettingsException.class, () -> Settings.load(null, List.of("monitor.http.port=70000")));
    assertEquals("monitor.http.port", e.key());
    e =
        assertThrows(
            SettingsException.class,
            () -> Settings.load(null, List.of("monitor.http.host=\"http://x:1/\"")));
    assertEquals("monitor.http.host", e.key());
    e =
        assertThrows(
            SettingsException.class,
            () -> Settings.load(null, List.of("monitor.http.enabled=maybe")));
    assertEquals("monitor.http.enabled", e.key());
    Settings.Monitor.Http h = Settings.load(null, List.of()).monitor().http();
    assertEquals(new Settings.Monitor.Http(false, "127.0.0.1", 0), h);
  }

  @Test
  void aPortInUseIsABadSetting() throws IOException {
    int taken = server.url().getPort();
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () -> MonitorServer.start("127.0.0.1", taken, server.board()).close());
    assertEquals("monitor.http.port", e.key());
  }

  @Test
  void aClusterCoordinatorsDashboardServesTheMembersUnlessAMonitorNodeServesIt() throws Exception {
    var cluster = oneNodeCluster("coordinator");
    int port =
        org.apache.pekko.cluster.typed.Cluster.get(cluster).selfMember().address().getPort().get();
    try (cluster) {
      Settings s = Settings.load(null, List.of("monitor.http.enabled=true"));
      RunLog runLog = new RunLog(dir.resolve("coordinator"));
      try (MonitorServer coordinator =
          MonitorServer.startIfEnabled(s, runLog, "sakd", cluster).orElseThrow()) {
        URI members = coordinator.url().resolve("cluster/members");
        String body = "";
        long deadline = System.nanoTime() + WAIT.toNanos();
        while (!body.contains("\"status\":\"Up\"") && System.nanoTime() < deadline) {
          Thread.sleep(200);
          body =
              http.send(
                      HttpRequest.newBuilder(members).build(), HttpResponse.BodyHandlers.ofString())
                  .body();
        }
        JsonObject m = JsonParser.parseString(body).getAsJsonObject();
        assertEquals(1, m.getAsJsonArray("members").size(), body);
        JsonObject self = m.getAsJsonArray("members").get(0).getAsJsonObject();
        assertEquals("pekko://sakd@127.0.0.1:" + port, self.get("node").getAsString());
        assertEquals("Up", self.get("status").getAsString());
        assertTrue(self.get("roles").toString().contains("\"coordinator\""), body);
        assertEquals(
            405,
            http.send(
                    HttpRequest.newBuilder(members.resolve("members/sakd@127.0.0.1:" + port))
                        .method("DELETE", HttpRequest.BodyPublishers.noBody())
                        .build(),
                    HttpResponse.BodyHandlers.ofString())
                .statusCode(),
            "no route downs a member");
      }
      // a one-JVM run's dashboard has no cluster routes
      assertEquals(
          404,
          http.send(
                  HttpRequest.newBuilder(server.url().resolve("cluster/members")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .statusCode());
      // with a monitor node in the layout, that node serves the run's dashboard
      assertTrue(
          MonitorServer.startIfEnabled(
                  s.with(Map.of("cluster.monitor", "127.0.0.1:25530")), runLog, "sakd", cluster)
              .isEmpty());
    }
  }

  /** A cluster of one node on a free loopback port, its own seed, with {@code role}. */
  static org.apache.pekko.actor.typed.ActorSystem<Void> oneNodeCluster(String role)
      throws IOException {
    int port;
    try (java.net.ServerSocket free = new java.net.ServerSocket(0)) {
      port = free.getLocalPort();
    }
    return org.apache.pekko.actor.typed.ActorSystem.create(
        org.apache.pekko.actor.typed.javadsl.Behaviors.empty(),
        org.sakd.cluster.ClusterConfig.SYSTEM_NAME,
        org.sakd.cluster.ClusterConfig.system(
            new org.sakd.cluster.NodeSpec(
                "127.0.0.1", port, List.of("127.0.0.1:" + port), List.of(role), null, "")));
  }

  /** The value of an unlabelled gauge in Prometheus text format. */
  static double gauge(String text, String name) {
    Matcher m = Pattern.compile("(?m)^" + name + " (\\S+)$").matcher(text);
    assertTrue(m.find(), name + " in\n" + text);
    return Double.parseDouble(m.group(1));
  }
}

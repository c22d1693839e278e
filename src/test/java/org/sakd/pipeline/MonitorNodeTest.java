package org.sakd.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sakd.cluster.ClusterConfig;
import org.sakd.config.Settings;
import org.sakd.monitor.Json;
import org.sakd.monitor.RunFeed;

/**
 * The monitor node in this JVM beside a coordinator's actor system (cluster.coordinator, with the
 * run feed over an events.jsonl the test writes): its dashboard shows the run's events and the
 * cluster's members, refuses every method but GET on the cluster routes, and survives the
 * coordinator's death and restart on the same address — same port, the events it had, then the new
 * ones, each once.
 */
class MonitorNodeTest {
  private static final Duration WAIT = Duration.ofSeconds(90);

  @TempDir Path dir;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private static int freePort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private void append(Path events, String type, Map<String, Object> fields) throws Exception {
    Map<String, Object> e = new java.util.LinkedHashMap<>();
    e.put("time", java.time.Instant.now().toString());
    e.put("type", type);
    e.putAll(fields);
    Files.writeString(
        events, Json.write(e) + "\n", StandardOpenOption.CREATE, StandardOpenOption.APPEND);
  }

  private HttpResponse<String> send(URI uri, String method) throws Exception {
    return http.send(
        HttpRequest.newBuilder(uri)
            .method(method, HttpRequest.BodyPublishers.noBody())
            .timeout(Duration.ofSeconds(10))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** GETs {@code uri} until its JSON satisfies {@code ok}; returns it. */
  private JsonObject await(URI uri, Predicate<JsonObject> ok) throws Exception {
    long deadline = System.nanoTime() + WAIT.toNanos();
    String last = "(no answer)";
    while (System.nanoTime() < deadline) {
      try {
        HttpResponse<String> r = send(uri, "GET");
        last = r.statusCode() + " " + r.body();
        if (r.statusCode() == 200) {
          JsonObject o = JsonParser.parseString(r.body()).getAsJsonObject();
          if (ok.test(o)) {
            return o;
          }
        }
      } catch (java.io.IOException e) {
        last = e.toString();
      }
      Thread.sleep(300);
    }
    throw new AssertionError(uri + " never answered as expected; last: " + last);
  }

  /** The members of a /cluster/members answer that are Up, as "role port", sorted. */
  private static List<String> upMembers(JsonObject members) {
    List<String> out = new ArrayList<>();
    for (JsonElement m : members.getAsJsonArray("members")) {
      JsonObject o = m.getAsJsonObject();
      if (o.get("status").getAsString().equals("Up")) {
        String node = o.get("node").getAsString();
        for (JsonElement r : o.getAsJsonArray("roles")) {
          if (!r.getAsString().startsWith("dc-")) {
            out.add(r.getAsString() + " " + node.substring(node.lastIndexOf(':') + 1));
          }
        }
      }
    }
    java.util.Collections.sort(out);
    return out;
  }

  private static ActorSystem<Void> coordinator(Settings s, Path events) {
    ActorSystem<Void> system =
        ActorSystem.create(
            Behaviors.empty(),
            ClusterConfig.SYSTEM_NAME,
            ClusterRun.coordinatorConfig(s).withFallback(DistillRun.actorConfig(s)));
    system.systemActorOf(RunFeed.create(events), "run-feed", DispatcherSelector.blocking());
    return system;
  }

  @Test
  void servesTheRunAndTheMembersReadOnlyAndOutlivesACoordinatorRestart() throws Exception {
    int coordinatorPort = freePort();
    int monitorPort = freePort();
    int httpPort = freePort();
    Settings s =
        Settings.load(
            null,
            List.of(
                "cluster.enabled=true",
                "cluster.coordinator=\"127.0.0.1:" + coordinatorPort + "\"",
                "cluster.trainers=[\"127.0.0.1:" + freePort() + "/cpu\"]",
                "cluster.monitor=\"127.0.0.1:" + monitorPort + "\"",
                "monitor.http.port=" + httpPort,
                "run.name=watched",
                "train.epochs=4"));
    Path events = dir.resolve("events.jsonl");
    append(events, "start", Map.of("run", "watched"));
    append(events, "epoch", Map.of("epoch", 1, "top1", 40.0, "top5", 90.0));
    // a lost trainer's attempt fails, and the run goes on: the board must not end there
    append(events, "failed", Map.of("stage", "trainer-node-1", "error", "unreachable"));
    append(events, "trainer-lost", Map.of("node", "127.0.0.1:1"));
    ActorSystem<Void> coordinator = coordinator(s, events);
    MonitorNode monitor = MonitorNode.start(s);
    URI base = URI.create("http://127.0.0.1:" + httpPort + "/");
    assertEquals(base, monitor.url());
    try {
      JsonObject state = await(base.resolve("api/state"), o -> o.get("events").getAsInt() == 4);
      assertEquals(1, state.get("epoch").getAsInt(), state.toString());
      assertEquals(40.0, state.get("top1").getAsDouble(), 1e-9, state.toString());
      assertFalse(state.get("ended").getAsBoolean(), "an attempt's failure is not the end");
      JsonObject members = await(base.resolve("cluster/members"), o -> upMembers(o).size() == 2);
      assertEquals(
          List.of("coordinator " + coordinatorPort, "monitor " + monitorPort),
          upMembers(members),
          members.toString());
      assertTrue(
          members.get("oldest").getAsString().endsWith(":" + coordinatorPort), members.toString());
      // nothing but GET reaches the cluster routes: no leave, down or join
      // a member by its address as host:port (Pekko Management takes "system@host:port")
      String member = "cluster/members/sakd@127.0.0.1:" + coordinatorPort;
      for (String method : List.of("PUT", "POST", "DELETE")) {
        for (String path : List.of("cluster/members", member, "cluster/members/")) {
          int code = send(base.resolve(path), method).statusCode();
          assertEquals(405, code, method + " " + path + " is refused: Method Not Allowed");
        }
      }
      assertEquals(200, send(base.resolve(member), "GET").statusCode());
      assertTrue(send(base.resolve("metrics"), "GET").body().contains("sakd_epoch 1.0"));

      // the coordinator dies; one is started again on its address over the same run, which
      // has gone on meanwhile
      coordinator.terminate();
      coordinator.getWhenTerminated().toCompletableFuture().join();
      // killed mid-write, it left a torn line, which the resumed run's first event continues
      Files.writeString(events, "{\"time\":\"2026-", StandardOpenOption.APPEND);
      append(events, "resume", Map.of("after_epoch", 0));
      append(events, "epoch", Map.of("epoch", 2, "top1", 55.0, "top5", 95.0));
      coordinator = coordinator(s, events);
      state = await(base.resolve("api/state"), o -> o.get("events").getAsInt() >= 6);
      assertEquals(6, state.get("events").getAsInt(), "each event once: " + state);
      assertEquals(2, state.get("epoch").getAsInt(), state.toString());
      append(events, "finished", Map.of("epochs", 2));
      state = await(base.resolve("api/state"), o -> o.get("ended").getAsBoolean());
      assertEquals(7, state.get("events").getAsInt(), state.toString());
      members = await(base.resolve("cluster/members"), o -> upMembers(o).size() == 2);
      assertEquals(
          List.of("coordinator " + coordinatorPort, "monitor " + monitorPort),
          upMembers(members),
          members.toString());
    } finally {
      monitor.close();
      coordinator.terminate();
      coordinator.getWhenTerminated().toCompletableFuture().join();
    }
  }
}

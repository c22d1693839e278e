package org.sakd.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real headless browser (Debian's {@code chromium}) loads the dashboard of a running server and
 * sees an epoch arrive in its page over server-sent events, and a cluster's members (a one-node
 * cluster in this JVM) in its table. {@code --dump-dom} cannot do this: it dumps at the load event,
 * before any event arrives, and {@code --virtual-time-budget} waits forever on a stream that never
 * closes; so the test drives the page over the DevTools protocol (the JDK's WebSocket client) and
 * polls the DOM, every wait with a timeout. Without chromium it fails and says how to install it;
 * {@code SAKD_NO_BROWSER=1} skips it on purpose.
 */
class DashboardBrowserTest {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final Pattern DEVTOOLS = Pattern.compile("DevTools listening on (ws://\\S+)");

  @TempDir Path dir;

  static Path chromium() {
    for (String name : List.of("chromium", "chromium-browser")) {
      for (String d : System.getenv().getOrDefault("PATH", "").split(":")) {
        Path p = Path.of(d.isEmpty() ? "." : d, name);
        if (Files.isExecutable(p)) {
          return p;
        }
      }
    }
    return fail(
        "the dashboard's browser test needs Debian's chromium on the PATH: apt-get install -y"
            + " chromium (.ci/run installs it); SAKD_NO_BROWSER=1 skips this test");
  }

  /** The DevTools protocol over one WebSocket: a command, its answer. */
  private static final class DevTools implements WebSocket.Listener {
    private final Map<Integer, CompletableFuture<JsonObject>> pending = new ConcurrentHashMap<>();
    private final AtomicInteger ids = new AtomicInteger();
    private final StringBuilder frame = new StringBuilder();
    private WebSocket socket;

    static DevTools connect(HttpClient http, URI ws) throws Exception {
      DevTools d = new DevTools();
      d.socket = http.newWebSocketBuilder().buildAsync(ws, d).get(30, TimeUnit.SECONDS);
      return d;
    }

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      frame.append(data);
      if (last) {
        JsonObject m = JsonParser.parseString(frame.toString()).getAsJsonObject();
        frame.setLength(0);
        if (m.has("id")) {
          Optional.ofNullable(pending.remove(m.get("id").getAsInt())).ifPresent(f -> f.complete(m));
        }
      }
      ws.request(1);
      return null;
    }

    /** The value of a JavaScript expression in the page (a string, a number, null). */
    JsonElement eval(String expression) throws Exception {
      int id = ids.incrementAndGet();
      CompletableFuture<JsonObject> answer = new CompletableFuture<>();
      pending.put(id, answer);
      JsonObject params = new JsonObject();
      params.addProperty("expression", expression);
      params.addProperty("returnByValue", true);
      JsonObject call = new JsonObject();
      call.addProperty("id", id);
      call.addProperty("method", "Runtime.evaluate");
      call.add("params", params);
      socket.sendText(call.toString(), true).get(30, TimeUnit.SECONDS);
      JsonObject r = answer.get(30, TimeUnit.SECONDS);
      JsonObject result = r.getAsJsonObject("result").getAsJsonObject("result");
      return result.has("value") ? result.get("value") : null;
    }

    /** Polls {@code expression} until its string value passes {@code ok}; a wait with a timeout. */
    String await(String expression, java.util.function.Predicate<String> ok) {
      return assertTimeoutPreemptively(
          WAIT,
          () -> {
            while (true) {
              JsonElement v = eval(expression);
              String s = v == null || v.isJsonNull() ? null : v.getAsString();
              if (s != null && ok.test(s)) {
                return s;
              }
              Thread.sleep(100);
            }
          },
          () -> "the page never showed what " + expression + " waits for");
    }

    void close() {
      socket.sendClose(WebSocket.NORMAL_CLOSURE, "done");
    }
  }

  @Test
  void chromiumSeesAnEpochArriveInTheDashboard() throws Exception {
    Assumptions.assumeFalse(
        "1".equals(System.getenv("SAKD_NO_BROWSER")), "SAKD_NO_BROWSER=1: no browser test");
    Path chromium = chromium();
    RunLog log = new RunLog(dir.resolve("run"));
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    // a cluster of one node: the page's members table
    var cluster = MonitorServerTest.oneNodeCluster("coordinator");
    int port =
        org.apache.pekko.cluster.typed.Cluster.get(cluster).selfMember().address().getPort().get();
    try (cluster;
        MonitorServer server =
            MonitorServer.start(
                "127.0.0.1",
                0,
                new RunBoard(
                    new RunBoard.RunInfo(
                        "browser",
                        "sakd",
                        4,
                        List.of(new RunBoard.Node("here:1", "coordinator", List.of("cpu"))))),
                MonitorServer.clusterRoutes(() -> cluster))) {
      server.subscribe(log);
      Path tmp = Files.createDirectories(dir.resolve("tmp"));
      ProcessBuilder start =
          new ProcessBuilder(
                  chromium.toString(),
                  "--headless=new",
                  "--no-sandbox",
                  "--disable-gpu",
                  "--disable-dev-shm-usage",
                  "--no-first-run",
                  "--no-default-browser-check",
                  "--remote-debugging-address=127.0.0.1",
                  "--remote-debugging-port=0",
                  "--user-data-dir=" + dir.resolve("profile"),
                  server.url().toString())
              .redirectOutput(ProcessBuilder.Redirect.DISCARD);
      start.environment().put("TMPDIR", tmp.toString()); // its sockets and scratch files, too
      Process browser = start.start();
      try {
        URI devtools = devtoolsUrl(browser);
        DevTools page = DevTools.connect(http, pageSocket(http, devtools, server.url()));
        try {
          // the page has loaded its state and opened its event stream
          page.await("document.getElementById('run').textContent", "browser"::equals);
          page.await("document.getElementById('status').textContent", "running"::equals);
          page.await("document.getElementById('total').textContent", "4"::equals);
          assertEquals(
              0, page.eval("document.querySelectorAll('tr[data-epoch]').length").getAsInt());

          log.event("epoch", row(1, 42.5, 0.25));
          String cells =
              page.await(
                  "(document.querySelector('#rows tr[data-epoch=\"1\"]') || {}).textContent",
                  s -> s.contains("42.50"));
          assertTrue(cells.contains("0.250"), cells);
          assertEquals("1", page.await("document.getElementById('epoch').textContent", s -> true));
          // Top-1 and Top-5 drawn as curves, mean α as a third
          page.await("String(document.querySelectorAll('svg polyline').length)", "3"::equals);

          log.event("epoch", row(2, 60.0, 0.5));
          page.await(
              "(document.querySelector('#rows tr[data-epoch=\"2\"]') || {}).textContent",
              s -> s.contains("60.00"));
          String member =
              page.await(
                  "(document.querySelector('#members tr') || {}).textContent || ''",
                  t -> t.contains("Up"));
          assertTrue(
              member.contains("127.0.0.1:" + port) && member.contains("coordinator"), member);
          assertEquals(
              "false",
              page.eval("String(document.getElementById('cluster').hidden)").getAsString());
          log.event("finished", Map.of("epochs", 2));
          page.await("document.getElementById('status').textContent", "finished"::equals);
        } finally {
          page.close();
        }
      } finally {
        stop(browser);
      }
    }
  }

  private static Map<String, Object> row(int epoch, double top1, double alpha) {
    Map<String, Object> row = new LinkedHashMap<>();
    row.put("mode", "sakd");
    row.put("epoch", epoch);
    row.put("train_loss", 1.25);
    row.put("top1", top1);
    row.put("top5", 100.0);
    row.put("seconds", 3.0);
    row.put("trained_samples", 6);
    row.put("mean_alpha", alpha);
    return row;
  }

  /** The browser's DevTools address, from the line it prints on standard error. */
  private static URI devtoolsUrl(Process browser) {
    CompletableFuture<URI> url = new CompletableFuture<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader err =
                  new BufferedReader(
                      new InputStreamReader(browser.getErrorStream(), StandardCharsets.UTF_8))) {
                String line;
                StringBuilder seen = new StringBuilder();
                while ((line = err.readLine()) != null) {
                  Matcher m = DEVTOOLS.matcher(line);
                  if (m.find()) {
                    url.complete(URI.create(m.group(1)));
                  } else if (!url.isDone() && seen.length() < 4000) {
                    seen.append(line).append('\n');
                  }
                }
                url.completeExceptionally(
                    new AssertionError("chromium exited without a DevTools address:\n" + seen));
              } catch (java.io.IOException e) {
                url.completeExceptionally(e);
              }
            },
            "chromium-stderr");
    reader.setDaemon(true);
    reader.start();
    return assertTimeoutPreemptively(WAIT, () -> url.get());
  }

  /** The DevTools WebSocket of the tab that shows {@code page}. */
  private static URI pageSocket(HttpClient http, URI devtools, URI page) {
    URI list = URI.create("http://" + devtools.getAuthority() + "/json/list");
    return assertTimeoutPreemptively(
        WAIT,
        () -> {
          while (true) {
            String body =
                http.send(
                        HttpRequest.newBuilder(list).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString())
                    .body();
            JsonArray targets = JsonParser.parseString(body).getAsJsonArray();
            for (JsonElement t : targets) {
              JsonObject o = t.getAsJsonObject();
              if ("page".equals(o.get("type").getAsString())
                  && o.get("url").getAsString().startsWith(page.toString())
                  && o.has("webSocketDebuggerUrl")) {
                return URI.create(o.get("webSocketDebuggerUrl").getAsString());
              }
            }
            Thread.sleep(100);
          }
        });
  }

  /** Ends the browser and its helper processes (each by its own handle), waiting a bounded time. */
  private static void stop(Process browser) throws InterruptedException {
    List<ProcessHandle> helpers = browser.descendants().toList();
    browser.destroy();
    if (!browser.waitFor(10, TimeUnit.SECONDS)) {
      browser.destroyForcibly();
      browser.waitFor(10, TimeUnit.SECONDS);
    }
    for (ProcessHandle h : helpers) {
      try {
        h.onExit().get(10, TimeUnit.SECONDS);
      } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
        h.destroyForcibly();
      }
    }
  }
}

package org.sakd.pipeline;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sakd.cli.Main;
import org.sakd.config.Settings;
import org.sakd.monitor.Progress;

/**
 * A real tiny distillation with {@code monitor.http.enabled=true}: it prints its dashboard's URL,
 * {@code sakd monitor --url} follows it over server-sent events, prints every epoch and exits 0 at
 * the run's end, and the port is closed once the run returns.
 */
class DashboardRunTest {
  private static final Duration WAIT = Duration.ofMinutes(5);
  private static final Pattern URL = Pattern.compile("dashboard: (http://\\S+)");

  @TempDir Path dir;

  /** Everything printed to standard output, kept while it still goes to the console. */
  private static final class Tee extends OutputStream {
    private final PrintStream console;
    private final ByteArrayOutputStream kept = new ByteArrayOutputStream();

    Tee(PrintStream console) {
      this.console = console;
    }

    @Override
    public synchronized void write(int b) {
      console.write(b);
      kept.write(b);
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) {
      console.write(b, off, len);
      kept.write(b, off, len);
    }

    synchronized String text() {
      return kept.toString(StandardCharsets.UTF_8);
    }
  }

  @Test
  void sakdMonitorFollowsARealRunOverServerSentEventsUntilItFinishes() throws Exception {
    TinyRuns tiny = new TinyRuns(dir);
    Settings s =
        tiny.settings(
            dir, List.of("run.name=watched", "distill.mode=sakd", "monitor.http.enabled=true"));
    PrintStream console = System.out;
    Tee tee = new Tee(console);
    // the run's first step waits (with a timeout) until the monitor is connected, so the run cannot
    // end before anyone watches it
    CountDownLatch watching = new CountDownLatch(1);
    Consumer<Progress.Snapshot> holdFirstStep =
        p -> {
          try {
            watching.await(60, TimeUnit.SECONDS);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        };
    System.setOut(new PrintStream(tee, true, StandardCharsets.UTF_8));
    Progress.addListener(holdFirstStep);
    try {
      CompletableFuture<DistillRun.Outcome> run =
          CompletableFuture.supplyAsync(() -> tiny.run(s, false, Integer.MAX_VALUE));
      String url =
          assertTimeoutPreemptively(
              WAIT,
              () -> {
                Matcher m;
                while (!(m = URL.matcher(tee.text())).find()) {
                  assertTrue(!run.isDone() || !run.isCompletedExceptionally(), "the run failed");
                  Thread.sleep(50);
                }
                return m.group(1);
              });
      assertTrue(url.startsWith("http://127.0.0.1:"), url);
      Thread releaser =
          new Thread(
              () -> {
                try {
                  while (!tee.text().contains("watching run watched")) {
                    Thread.sleep(20);
                  }
                } catch (InterruptedException e) {
                  return;
                } finally {
                  watching.countDown();
                }
              });
      releaser.setDaemon(true);
      releaser.start();
      int code = assertTimeoutPreemptively(WAIT, () -> Main.execute("monitor", "--url", url));
      DistillRun.Outcome o = run.get(WAIT.toSeconds(), TimeUnit.SECONDS);
      String out = tee.text();
      assertEquals(0, code, out);
      assertEquals(3, o.epochs().size());
      assertTrue(out.contains("watching run watched (sakd, 3 epochs) at " + url), out);
      for (int e = 1; e <= 3; e++) {
        assertTrue(out.contains("epoch " + e + "/3  loss "), "epoch " + e + " in\n" + out);
      }
      assertTrue(out.contains("selection for epoch 1: 6 samples"), out);
      assertTrue(out.contains("finished: 3 epochs"), out);
      // the run's own file has the same events, finished last
      List<String> events = Files.readAllLines(s.run().runDir().resolve("events.jsonl"));
      assertTrue(
          events.get(events.size() - 1).contains("\"type\":\"finished\""), events.toString());
      // the run has returned: its dashboard is gone
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
      assertThrows(
          ConnectException.class,
          () ->
              http.send(
                  HttpRequest.newBuilder(URI.create(url).resolve("api/state"))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString()));
    } finally {
      Progress.removeListener(holdFirstStep);
      watching.countDown();
      System.setOut(console);
    }
  }
}

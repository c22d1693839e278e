package org.sakd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code sakd monitor --url}: a malformed URL or a URL where nothing answers is exit 2 with one
 * line and no stack trace, and never a hang; the event stream's lines and exit codes.
 */
class MonitorCommandTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static void badInput(CliCapture.Outcome o, String says) {
    assertEquals(2, o.code(), o.err());
    assertTrue(o.err().contains(says), o.err());
    assertEquals(1, o.err().strip().lines().count(), "one line: " + o.err());
    assertFalse(o.err().contains("\tat "), "no stack trace: " + o.err());
  }

  @Test
  void aMalformedUrlIsExit2() {
    badInput(CliCapture.sakd("monitor", "--url", "not a url"), "error: --url not a url");
    badInput(CliCapture.sakd("monitor", "--url", "ftp://127.0.0.1:21/"), "not an http URL");
    badInput(CliCapture.sakd("monitor", "--url", "127.0.0.1:8080"), "not an http URL");
  }

  @Test
  void aUrlWhereNothingListensIsExit2() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    String url = "http://127.0.0.1:" + port + "/";
    CliCapture.Outcome o =
        assertTimeoutPreemptively(WAIT, () -> CliCapture.sakd("monitor", "--url", url));
    badInput(o, "error: no sakd dashboard answers at " + url);
  }

  @Test
  void aServerThatNeverAnswersIsExit2NotAHang() throws Exception {
    // accepts connections (the backlog) but never reads or answers
    try (ServerSocket s = new ServerSocket(0, 4, InetAddress.getLoopbackAddress())) {
      String url = "http://127.0.0.1:" + s.getLocalPort();
      CliCapture.Outcome o =
          assertTimeoutPreemptively(WAIT, () -> CliCapture.sakd("monitor", "--url", url));
      badInput(o, "error: no sakd dashboard answers at " + url + "/");
    }
  }

  private static int follow(StringWriter text, String... lines) {
    return MonitorCommand.follow(List.of(lines).iterator(), 3, new PrintWriter(text));
  }

  @Test
  void oneLinePerEventAndTheRunsEndDecidesTheExitCode() {
    StringWriter text = new StringWriter();
    int code =
        follow(
            text,
            ":",
            "",
            "event: epoch",
            "id: 1",
            "data: {\"time\":\"t\",\"type\":\"epoch\",\"epoch\":1,\"train_loss\":1.25,\"top1\":50.0,"
                + "\"top5\":100.0,\"trained_samples\":6,\"mean_alpha\":null,\"seconds\":2.5}",
            "",
            "event: progress",
            "data: {\"type\":\"progress\",\"phase\":\"train\",\"epoch\":2,\"done\":4,\"total\":6,"
                + "\"clips_per_second\":3.5,\"loss\":0.5}",
            "",
            "event: finished",
            "id: 2",
            "data: {\"type\":\"finished\",\"epochs\":1,\"last_top1\":50.0,\"best_top1\":50.0}",
            "",
            "event: epoch",
            "data: {\"epoch\":9}",
            "");
    assertEquals(0, code);
    List<String> lines = text.toString().lines().toList();
    assertEquals(
        List.of(
            "epoch 1/3  loss 1.2500  top1 50.00  top5 100.00  mean alpha -  trained 6  2.5s",
            "  train epoch 2: 4/6 clips  3.5 clips/s  loss 0.500",
            "finished: 1 epochs, last top1 50.00, best top1 50.00"),
        lines);

    text = new StringWriter();
    assertEquals(
        1,
        follow(
            text,
            "event: failed",
            "data: {\"type\":\"failed\",\"stage\":\"trainer-0\",\"error\":\"boom\"}",
            ""));
    assertEquals("failed in trainer-0: boom", text.toString().strip());

    text = new StringWriter();
    assertEquals(1, follow(text, "event: epoch", "data: {\"epoch\":1}", ""));
    assertTrue(
        text.toString().contains("the stream ended before the run's end event"), text.toString());
  }
}

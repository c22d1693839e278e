package org.sakd.cli;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Iterator;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * Follows a running run's dashboard ({@code monitor.http}) from a terminal: reads its {@code
 * /api/state} once, then its {@code /events} stream, and prints one line per event and a progress
 * line now and then. A plain HTTP client of the JDK: it joins no cluster and changes nothing.
 */
@Command(
    name = "monitor",
    mixinStandardHelpOptions = true,
    description =
        "Follow a run's live dashboard (monitor.http.enabled=true): one line per epoch and event,"
            + " a progress line every few seconds. Exit 0 when the run finishes, 1 when it fails or"
            + " the stream ends early, 2 when the URL is malformed or nothing answers there.")
final class MonitorCommand implements Callable<Integer> {
  /** How long to wait for the run's server to accept the connection and answer. */
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(5);

  /** At most one progress line this often (the server sends one a second). */
  static final Duration PROGRESS_EVERY = Duration.ofSeconds(5);

  @Option(
      names = "--url",
      required = true,
      description = "the dashboard's URL as the run printed it, e.g. http://127.0.0.1:8080/")
  String url;

  @Spec picocli.CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    URI base;
    try {
      base = base(url);
    } catch (IllegalArgumentException e) {
      err.println("error: --url " + url + ": " + e.getMessage());
      err.flush();
      return Main.EXIT_BAD_INPUT;
    }
    HttpClient http =
        HttpClient.newBuilder()
            .connectTimeout(CONNECT_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NORMAL)
            .build();
    JsonObject state;
    Stream<String> lines;
    try {
      state = JsonParser.parseString(get(http, base.resolve("api/state"))).getAsJsonObject();
      HttpResponse<Stream<String>> r =
          http.send(
              request(base.resolve("events")).header("Accept", "text/event-stream").build(),
              HttpResponse.BodyHandlers.ofLines());
      if (r.statusCode() != 200) {
        r.body().close();
        throw new IOException("/events answered HTTP " + r.statusCode());
      }
      lines = r.body();
    } catch (IOException | RuntimeException e) {
      err.println(
          "error: no sakd dashboard answers at " + base + " (" + describe(e) + "); is the run up?");
      err.flush();
      return Main.EXIT_BAD_INPUT;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Main.EXIT_RUN_FAILED;
    }
    int epochs = number(state, "epochs", 0).intValue();
    out.printf(
        Locale.ROOT,
        "watching run %s (%s, %d epochs) at %s%n",
        text(state, "run"),
        text(state, "mode"),
        epochs,
        base);
    out.flush();
    try (lines) {
      return follow(lines.iterator(), epochs, out);
    } catch (UncheckedIOException e) {
      out.println("connection lost: " + describe(e) + "; the run may still be going");
      out.flush();
      return Main.EXIT_RUN_FAILED;
    }
  }

  /** Reads server-sent events until the run's end event; its exit code. */
  static int follow(Iterator<String> lines, int epochs, PrintWriter out) {
    String type = "message";
    StringBuilder data = new StringBuilder();
    long lastProgress = 0;
    String lastPhase = "";
    while (lines.hasNext()) {
      String line = lines.next();
      if (!line.isEmpty()) {
        if (line.startsWith("event:")) {
          type = line.substring(6).trim();
        } else if (line.startsWith("data:")) {
          data.append(data.length() > 0 ? "\n" : "").append(line.substring(5).stripLeading());
        } // "id:", "retry:" and ":" comments (heartbeats) need nothing
        continue;
      }
      if (data.length() == 0) { // a heartbeat
        type = "message";
        continue;
      }
      String t = type;
      type = "message";
      JsonObject e;
      try {
        e = JsonParser.parseString(data.toString()).getAsJsonObject();
      } catch (RuntimeException notAnObject) {
        out.println(t + " (not a JSON object: " + data + ")");
        continue;
      } finally {
        data.setLength(0);
      }
      if (t.equals("progress")) {
        long now = System.nanoTime();
        String phase = text(e, "phase") + text(e, "epoch");
        if (!phase.equals(lastPhase) || now - lastProgress >= PROGRESS_EVERY.toNanos()) {
          out.println(progressLine(e));
          lastProgress = now;
          lastPhase = phase;
        }
      } else {
        out.println(eventLine(t, e, epochs));
      }
      out.flush();
      if (t.equals("finished")) {
        return 0;
      }
      if (t.equals("failed")) {
        return Main.EXIT_RUN_FAILED;
      }
    }
    out.println("the stream ended before the run's end event (the run stopped or was killed)");
    out.flush();
    return Main.EXIT_RUN_FAILED;
  }

  static String eventLine(String type, JsonObject e, int epochs) {
    return switch (type) {
      case "epoch" ->
          String.format(
              Locale.ROOT,
              "epoch %d/%d  loss %s  top1 %s  top5 %s  mean alpha %s  trained %d  %ss",
              number(e, "epoch", 0).intValue(),
              epochs,
              fixed(e, "train_loss", 4),
              fixed(e, "top1", 2),
              fixed(e, "top5", 2),
              fixed(e, "mean_alpha", 3),
              number(e, "trained_samples", 0).intValue(),
              fixed(e, "seconds", 1));
      case "selection" ->
          String.format(
              Locale.ROOT,
              "selection for epoch %d: %d samples, per class %s",
              number(e, "epoch", 0).intValue(),
              number(e, "size", 0).intValue(),
              e.has("per_class") ? e.get("per_class").toString() : "?");
      case "finished" ->
          String.format(
              Locale.ROOT,
              "finished: %d epochs, last top1 %s, best top1 %s",
              number(e, "epochs", 0).intValue(),
              fixed(e, "last_top1", 2),
              fixed(e, "best_top1", 2));
      case "failed" ->
          "failed" + (e.has("stage") ? " in " + text(e, "stage") : "") + ": " + text(e, "error");
      default -> {
        JsonObject rest = e.deepCopy();
        rest.remove("time");
        rest.remove("type");
        yield type + " " + rest;
      }
    };
  }

  static String progressLine(JsonObject p) {
    return String.format(
        Locale.ROOT,
        "  %s epoch %d: %d/%d clips  %s clips/s%s",
        text(p, "phase"),
        number(p, "epoch", 0).intValue(),
        number(p, "done", 0).longValue(),
        number(p, "total", 0).longValue(),
        fixed(p, "clips_per_second", 1),
        p.has("loss") && !p.get("loss").isJsonNull() ? "  loss " + fixed(p, "loss", 3) : "");
  }

  private static final String NEEDED =
      "not an http URL with a host and port, such as http://127.0.0.1:8080/";

  /** The dashboard's root: an http(s) URL with a host; a path is kept, ending in "/". */
  static URI base(String url) {
    URI u;
    try {
      u = new URI(url.trim());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(NEEDED + " (" + e.getReason() + ")");
    }
    if (u.getScheme() == null
        || !(u.getScheme().equalsIgnoreCase("http") || u.getScheme().equalsIgnoreCase("https"))
        || u.getHost() == null) {
      throw new IllegalArgumentException(NEEDED);
    }
    String path = u.getPath() == null || u.getPath().isEmpty() ? "/" : u.getPath();
    if (!path.endsWith("/")) {
      path = path + "/";
    }
    try {
      return new URI(u.getScheme(), null, u.getHost(), u.getPort(), path, null, null);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("not a URL (" + e.getReason() + ")");
    }
  }

  private static HttpRequest.Builder request(URI uri) {
    return HttpRequest.newBuilder(uri).timeout(CONNECT_TIMEOUT.multipliedBy(2)).GET();
  }

  private static String get(HttpClient http, URI uri) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(request(uri).build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException(uri.getPath() + " answered HTTP " + r.statusCode());
    }
    return r.body();
  }

  private static String describe(Throwable e) {
    Throwable c = e;
    while (c.getCause() != null && (c.getMessage() == null || c instanceof UncheckedIOException)) {
      c = c.getCause();
    }
    String m = c.getMessage();
    return c.getClass().getSimpleName() + (m == null || m.isBlank() ? "" : ": " + m);
  }

  private static String text(JsonObject o, String key) {
    JsonElement v = o.get(key);
    return v == null || v.isJsonNull() ? "?" : v.isJsonPrimitive() ? v.getAsString() : v.toString();
  }

  private static Number number(JsonObject o, String key, Number otherwise) {
    JsonElement v = o.get(key);
    return v != null && v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber()
        ? v.getAsNumber()
        : otherwise;
  }

  private static String fixed(JsonObject o, String key, int decimals) {
    Number n = number(o, key, null);
    return n == null ? "-" : String.format(Locale.ROOT, "%." + decimals + "f", n.doubleValue());
  }
}

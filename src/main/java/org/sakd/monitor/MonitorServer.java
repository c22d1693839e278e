package org.sakd.monitor;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.completeOK;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequestContext;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.optionalHeaderValueByName;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathSingleSlash;
import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.management.cluster.javadsl.ClusterHttpManagementRoutes;
import org.apache.pekko.stream.javadsl.Source;
import org.sakd.config.Settings;

/**
 * The run's read-only web dashboard ({@code monitor.http}): {@code GET /} a self-contained page,
 * {@code /events} the run's events as server-sent events, {@code /api/state} a JSON snapshot,
 * {@code /metrics} Prometheus text. It only reads a {@link RunBoard}, which the run's {@link
 * RunLog} and {@link Progress} listeners fill without waiting: a slow or absent browser holds no
 * thread of the run. Each client's stream is a tick that sends what is new since its last tick —
 * every event (a cursor into the board's list, so none is dropped) and at most one progress
 * snapshot a second (only the newest; older ones are dropped) — so a client costs O(1) memory and a
 * slow one just skips ticks. It runs in its own small actor system of daemon threads, stopped by
 * {@link #close}. In a cluster run it also serves the cluster's membership read-only under {@code
 * /cluster/} ({@link #clusterRoutes}).
 */
public final class MonitorServer implements AutoCloseable {
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(MonitorServer.class);

  /** How often a client's stream looks for news; an event reaches the browser within it. */
  static final Duration TICK = Duration.ofMillis(250);

  /** At most one progress snapshot per client per this. */
  static final Duration PROGRESS_EVERY = Duration.ofSeconds(1);

  /** An SSE comment this often keeps a quiet stream (a long scoring pass) from idling out. */
  static final Duration HEARTBEAT = Duration.ofSeconds(15);

  /** How long {@link #close} lets open streams send their last events before cutting them. */
  static final Duration DRAIN = Duration.ofSeconds(3);

  private final RunBoard board;
  private final Routes routes;
  private final ActorSystem<Void> system;
  private final ServerBinding binding;
  private final URI url;
  private final List<Runnable> unsubscribe = new ArrayList<>();
  private boolean closed;

  private MonitorServer(
      RunBoard board, Routes routes, ActorSystem<Void> system, ServerBinding binding) {
    this.board = board;
    this.routes = routes;
    this.system = system;
    this.binding = binding;
    InetSocketAddress a = binding.localAddress();
    String host = a.getAddress().getHostAddress();
    this.url =
        URI.create(
            "http://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort() + "/");
  }

  /**
   * The dashboard of a run that logs to {@code log}, when {@code monitor.http.enabled}: bound,
   * subscribed to the log and the progress bars, its URL printed in one line ({@code dashboard:
   * http://...}). Empty when it is off.
   */
  public static Optional<MonitorServer> startIfEnabled(Settings s, RunLog log, String mode) {
    return startIfEnabled(s, log, mode, null);
  }

  /**
   * {@link #startIfEnabled(Settings, RunLog, String)} for a cluster run's coordinator, whose
   * dashboard also serves {@code cluster}'s membership ({@link #clusterRoutes}); {@code cluster}
   * null: a run in one JVM. Empty too when the layout names a monitor node (cluster.monitor): that
   * node serves the run's dashboard.
   */
  public static Optional<MonitorServer> startIfEnabled(
      Settings s, RunLog log, String mode, ActorSystem<?> cluster) {
    Settings.Monitor.Http h = s.monitor().http();
    if (!h.enabled() || (cluster != null && s.cluster().hasMonitor())) {
      return Optional.empty();
    }
    RunBoard board =
        new RunBoard(
            new RunBoard.RunInfo(
                s.run().name(),
                mode,
                s.train().epochs(),
                List.of(new RunBoard.Node(nodeName(), "coordinator", s.train().devices()))));
    MonitorServer server =
        start(h.host(), h.port(), board, cluster == null ? null : clusterRoutes(() -> cluster));
    server.subscribe(log);
    System.out.println("dashboard: " + server.url());
    return Optional.of(server);
  }

  /**
   * Pekko Management's read-only cluster routes over the cluster of {@code system}'s current value:
   * {@code GET /cluster/members} (every member's address, roles, status and reachability, the
   * leader and the oldest), {@code GET /cluster/members/{address}} and {@code GET
   * /cluster/shards/{region}} — "Cluster HTTP Management", read-only routes:
   * https://pekko.apache.org/docs/pekko-management/current/cluster-http-management.html. Only GET
   * reaches them: the routes that change membership (PUT/DELETE leave, down, join) are not mounted
   * ({@code readOnly}), and any other method is answered 405. {@code system} is asked per request,
   * so a node that rejoins the cluster in a new actor system is served without a restart.
   */
  public static Route clusterRoutes(java.util.function.Supplier<ActorSystem<?>> system) {
    // readOnly's routes are under pathPrefix("cluster") already
    return get(
        () ->
            extractRequestContext(
                request ->
                    ClusterHttpManagementRoutes.readOnly(
                        org.apache.pekko.cluster.Cluster.get(Adapter.toClassic(system.get())))));
  }

  /** This JVM as the dashboard names it: host and process id. */
  static String nodeName() {
    String host;
    try {
      host = java.net.InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      host = "localhost";
    }
    return host + ":" + ProcessHandle.current().pid();
  }

  /**
   * Serves {@code board} on {@code host:port} (0: any free port). A port in use or an address this
   * machine does not have is a bad setting of monitor.http.
   */
  public static MonitorServer start(String host, int port, RunBoard board) {
    return start(host, port, board, null);
  }

  /** {@link #start(String, int, RunBoard)} serving {@code more} too (null: nothing more). */
  public static MonitorServer start(String host, int port, RunBoard board, Route more) {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "sakd-monitor", config());
    Routes routes = new Routes(board);
    try {
      ServerBinding binding =
          Http.get(system)
              .newServerAt(host, port)
              .bind(more == null ? routes.route() : concat(routes.route(), more))
              .toCompletableFuture()
              .get(30, TimeUnit.SECONDS);
      return new MonitorServer(board, routes, system, binding);
    } catch (Exception e) {
      system.terminate();
      Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
      throw new org.sakd.config.SettingsException(
          "monitor.http.port",
          host + ":" + port,
          "an address and port this machine can listen on (" + cause.getMessage() + ")");
    }
  }

  /** Listens to {@code log}'s events and to the progress bars until {@link #close}. */
  public synchronized void subscribe(RunLog log) {
    Consumer<Map<String, Object>> onEvent = board::event;
    Consumer<Progress.Snapshot> onProgress = board::progress;
    log.addListener(onEvent);
    Progress.addListener(onProgress);
    unsubscribe.add(() -> log.removeListener(onEvent));
    unsubscribe.add(() -> Progress.removeListener(onProgress));
  }

  public URI url() {
    return url;
  }

  public RunBoard board() {
    return board;
  }

  /**
   * Ends every stream after its remaining events (at most {@link #DRAIN}), unbinds the port and
   * stops the server's threads. Never throws: the run it watched has ended either way.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    unsubscribe.forEach(Runnable::run);
    unsubscribe.clear();
    board.end();
    try {
      // open streams send what is left and complete on their next tick; terminate() alone would
      // cut them (their responses are already under way), losing the run's last events
      long deadline = System.nanoTime() + DRAIN.toNanos();
      while (routes.openStreams() > 0 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      binding
          .terminate(Duration.ofSeconds(1))
          .toCompletableFuture()
          .get(DRAIN.toSeconds() + 5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      LOG.warn("dashboard did not stop cleanly: {}", e.toString());
    } finally {
      system.terminate();
      try {
        system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.warn("dashboard threads did not stop: {}", e.toString());
      }
    }
  }

  /**
   * Daemon threads (they never keep a JVM alive), few of them, no JVM exit or shutdown hook of its
   * own, logs through SLF4J at WARNING.
   */
  private static Config config() {
    String c =
        String.join(
            "\n",
            "pekko.daemonic = on",
            "pekko.loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]",
            "pekko.logging-filter = \"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"",
            "pekko.loglevel = WARNING",
            "pekko.stdout-loglevel = OFF",
            "pekko.log-dead-letters = 0",
            "pekko.coordinated-shutdown.exit-jvm = off",
            "pekko.coordinated-shutdown.run-by-jvm-shutdown-hook = off",
            "pekko.actor.default-dispatcher.fork-join-executor.parallelism-max = 2",
            "pekko.http.server.server-header = \"sakd\"");
    return ConfigFactory.parseString(c).withFallback(ConfigFactory.load());
  }

  /** The four read-only routes over one board. */
  static final class Routes {
    private static final String PAGE = page();
    private final RunBoard board;
    private final AtomicInteger openStreams = new AtomicInteger();

    Routes(RunBoard board) {
      this.board = board;
    }

    Route route() {
      return get(
          () ->
              concat(
                  pathSingleSlash(
                      () -> complete(HttpEntities.create(ContentTypes.TEXT_HTML_UTF8, PAGE))),
                  path(
                      "events",
                      () ->
                          optionalHeaderValueByName(
                              "Last-Event-ID",
                              last ->
                                  completeOK(
                                      events(last.map(Routes::id).orElse(0)),
                                      EventStreamMarshalling.toEventStream()))),
                  path(
                      segment("api").slash("state"),
                      () ->
                          complete(
                              HttpEntities.create(
                                  ContentTypes.APPLICATION_JSON, Json.write(board.state())))),
                  path(
                      "metrics",
                      () ->
                          complete(
                              HttpEntities.create(
                                  MediaTypes.TEXT_PLAIN.toContentType(HttpCharsets.UTF_8),
                                  board.metricsText())))));
    }

    private static int id(String lastEventId) {
      try {
        return Math.max(0, Integer.parseInt(lastEventId.trim()));
      } catch (NumberFormatException e) {
        return 0;
      }
    }

    /** What one client's stream sends per tick, and whether it is the last. */
    private record Batch(List<ServerSentEvent> events, boolean last) {}

    /** Where one client's stream is: the last event id sent, the progress snapshot it saw. */
    private record Cursor(int eventId, long progressCount, long progressSentNanos) {}

    /**
     * The run's events after id {@code after} (reconnecting browsers send their last), then new
     * ones as they come, with progress snapshots between; complete after the run's end.
     */
    Source<ServerSentEvent, NotUsed> events(int after) {
      return Source.tick(Duration.ZERO, TICK, NotUsed.notUsed())
          .mapMaterializedValue(c -> NotUsed.notUsed())
          .statefulMap(
              () -> new Cursor(after, 0, System.nanoTime() - PROGRESS_EVERY.toNanos()),
              (cur, tick) -> next(cur),
              cur -> Optional.empty())
          .takeWhile(b -> !b.last(), true)
          .mapConcat(Batch::events)
          .keepAlive(HEARTBEAT, ServerSentEvent::heartbeat)
          .watchTermination(
              (mat, done) -> {
                openStreams.incrementAndGet();
                done.whenComplete((d, e) -> openStreams.decrementAndGet());
                return mat;
              });
    }

    /** Event streams that have started and not yet completed. */
    int openStreams() {
      return openStreams.get();
    }

    private Pair<Cursor, Batch> next(Cursor cur) {
      boolean ended = board.ended(); // read first: no event can follow an end seen here
      List<ServerSentEvent> out = new ArrayList<>();
      int id = cur.eventId();
      for (RunBoard.Entry e : board.eventsAfter(id)) {
        out.add(ServerSentEvent.create(e.json(), e.type(), Integer.toString(e.id())));
        id = e.id();
      }
      long count = board.progressCount();
      long sent = cur.progressSentNanos();
      long now = System.nanoTime();
      if (!ended && count > cur.progressCount() && now - sent >= PROGRESS_EVERY.toNanos()) {
        String p = board.progressJson();
        if (p != null) {
          out.add(ServerSentEvent.create(p, "progress"));
          sent = now;
        }
      } else {
        count = cur.progressCount();
      }
      return Pair.create(new Cursor(id, count, sent), new Batch(out, ended));
    }
  }

  private static String page() {
    try (InputStream in = MonitorServer.class.getResourceAsStream("dashboard.html")) {
      if (in == null) {
        throw new IllegalStateException("dashboard.html is missing from the jar");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}

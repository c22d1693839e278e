package org.sakd.monitor;

import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.DoubleSupplier;

/**
 * What the dashboard knows of one run, as its events and progress bars told it: every event (kept
 * whole, so a browser that connects late still draws every epoch; a run has a few per epoch), the
 * latest progress snapshot (only the newest is kept), the state of the last epoch and the
 * Prometheus gauges over them. Fed by {@link RunLog} and {@link Progress} listeners, which only
 * store and return; read by the server's request threads.
 */
public final class RunBoard {
  /** The event types after which a run writes nothing more. */
  public static final List<String> END_EVENTS = List.of("finished", "failed");

  /** The run, as the dashboard names it; {@code nodes} the JVMs that train it. */
  public record RunInfo(String name, String mode, int epochs, List<Node> nodes) {}

  /** One JVM of the run: its role (coordinator, ...) and its training devices. */
  public record Node(String name, String role, List<String> devices) {}

  /** One event as sent: its 1-based id in the run, its type and its events.jsonl line. */
  public record Entry(int id, String type, String json) {}

  private final RunInfo info;
  private final List<Entry> events = new ArrayList<>();
  private final AtomicReference<Progress.Snapshot> progress = new AtomicReference<>();
  private final AtomicLong progressCount = new AtomicLong();
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private boolean closed;
  private boolean runEnded;
  // the last epoch event's values (NaN until the first)
  private int epoch;
  private double top1 = Double.NaN;
  private double top5 = Double.NaN;
  private double trainLoss = Double.NaN;
  private double meanAlpha = Double.NaN;
  private int subsetSize = -1;
  private Map<String, Object> perClass = Map.of();
  private final List<Node> trainers = new ArrayList<>();

  public RunBoard(RunInfo info) {
    this.info = info;
    gauge("sakd_epoch", "the last finished epoch (1-based; 0 before the first)", () -> epoch());
    gauge("sakd_top1_percent", "Top-1 accuracy of the last epoch's validation", () -> top1());
    gauge("sakd_top5_percent", "Top-5 accuracy of the last epoch's validation", () -> top5());
    gauge("sakd_train_loss", "mean training loss of the last epoch", () -> trainLoss());
    gauge("sakd_mean_alpha", "mean alpha of the last epoch's subset", () -> meanAlpha());
    gauge(
        "sakd_clips_per_second",
        "throughput of the running phase (score, train or validate)",
        () -> {
          Progress.Snapshot p = progress.get();
          return p == null ? Double.NaN : p.clipsPerSecond();
        });
    gauge("sakd_subset_size", "samples the last epoch trained on", () -> subsetSize());
    JvmMetrics.builder().register(registry);
  }

  private void gauge(String name, String help, DoubleSupplier value) {
    GaugeWithCallback.builder()
        .name(name)
        .help(help)
        .callback(cb -> cb.call(value.getAsDouble()))
        .register(registry);
  }

  public RunInfo info() {
    return info;
  }

  /** A run event, as {@link RunLog#addListener} passes it. */
  public void event(Map<String, Object> e) {
    event(e, Json.write(e));
  }

  /** A run event as its events.jsonl line (a monitor node's, from the coordinator's feed). */
  public void eventLine(String json) {
    event(Json.read(json), json);
  }

  private void event(Map<String, Object> e, String json) {
    String type = String.valueOf(e.get("type"));
    synchronized (this) {
      events.add(new Entry(events.size() + 1, type, json));
      switch (type) {
        case "epoch" -> {
          epoch = (int) number(e.get("epoch"), 0);
          top1 = number(e.get("top1"), Double.NaN);
          top5 = number(e.get("top5"), Double.NaN);
          trainLoss = number(e.get("train_loss"), Double.NaN);
          meanAlpha = number(e.get("mean_alpha"), Double.NaN);
          subsetSize = (int) number(e.get("trained_samples"), -1);
        }
        case "selection" -> {
          if (e.get("per_class") instanceof Map<?, ?> m) {
            Map<String, Object> counts = new LinkedHashMap<>();
            m.forEach((k, v) -> counts.put(String.valueOf(k), v));
            perClass = counts;
          }
        }
        case "cluster" -> {
          // a cluster run's trainer nodes, as the coordinator admitted them
          if (e.get("trainers") instanceof List<?> list) {
            trainers.clear();
            for (Object o : list) {
              if (o instanceof Map<?, ?> t) {
                trainers.add(
                    new Node(
                        String.valueOf(t.get("address")),
                        "trainer (rank " + t.get("rank") + ")",
                        List.of(String.valueOf(t.get("device")))));
              }
            }
          }
        }
        default -> {}
      }
      // an end event ends the run unless more events follow: a monitor node's board outlives an
      // attempt that failed (a lost trainer) and goes on with the next
      runEnded = END_EVENTS.contains(type);
    }
  }

  /** A progress bar's step, as {@link Progress#addListener} passes it: lock-free, newest wins. */
  public void progress(Progress.Snapshot p) {
    progress.set(p);
    progressCount.incrementAndGet();
  }

  /** No more events will come (the run's end, or the server's). */
  public synchronized void end() {
    closed = true;
  }

  public synchronized boolean ended() {
    return closed || runEnded;
  }

  /** The id of the newest event (0: none yet). */
  public synchronized int lastEventId() {
    return events.size();
  }

  /** The events after id {@code after} (0: all). */
  public synchronized List<Entry> eventsAfter(int after) {
    return after >= events.size()
        ? List.of()
        : List.copyOf(events.subList(Math.max(0, after), events.size()));
  }

  /** How many progress snapshots have arrived (a cursor for "is there a newer one"). */
  public long progressCount() {
    return progressCount.get();
  }

  /** The newest progress snapshot as a JSON event ({@code type} progress), or null before any. */
  public String progressJson() {
    Progress.Snapshot p = progress.get();
    if (p == null) {
      return null;
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("time", Instant.now().toString());
    m.put("type", "progress");
    m.put("phase", p.phase());
    m.put("epoch", p.epoch());
    m.put("done", p.done());
    m.put("total", p.total());
    m.put("clips_per_second", p.clipsPerSecond());
    m.put("loss", p.smoothedLoss());
    return Json.write(m);
  }

  /** The /api/state object. */
  public synchronized Map<String, Object> state() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("run", info.name());
    m.put("mode", info.mode());
    m.put("epochs", info.epochs());
    m.put("epoch", epoch);
    Progress.Snapshot p = progress.get();
    m.put("phase", ended() ? "ended" : p == null ? "starting" : p.phase());
    m.put("phase_epoch", p == null ? null : p.epoch());
    m.put("clips_per_second", p == null ? null : p.clipsPerSecond());
    m.put("smoothed_loss", p == null ? null : p.smoothedLoss());
    m.put("top1", top1);
    m.put("top5", top5);
    m.put("train_loss", trainLoss);
    m.put("mean_alpha", meanAlpha);
    m.put("subset_size", subsetSize < 0 ? null : subsetSize);
    m.put("selected_per_class", perClass.isEmpty() ? null : perClass);
    m.put("ended", ended());
    m.put("events", events.size());
    List<Map<String, Object>> nodes = new ArrayList<>();
    List<Node> all = new ArrayList<>(info.nodes());
    all.addAll(trainers);
    for (Node n : all) {
      Map<String, Object> node = new LinkedHashMap<>();
      node.put("name", n.name());
      node.put("role", n.role());
      node.put("devices", n.devices());
      nodes.add(node);
    }
    m.put("nodes", nodes);
    return m;
  }

  /** The gauges (and the JVM's metrics) in Prometheus text format 0.0.4. */
  public String metricsText() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      PrometheusTextFormatWriter.create().write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private synchronized double epoch() {
    return epoch;
  }

  private synchronized double top1() {
    return top1;
  }

  private synchronized double top5() {
    return top5;
  }

  private synchronized double trainLoss() {
    return trainLoss;
  }

  private synchronized double meanAlpha() {
    return meanAlpha;
  }

  private synchronized double subsetSize() {
    return subsetSize < 0 ? Double.NaN : subsetSize;
  }

  private static double number(Object v, double otherwise) {
    return v instanceof Number n ? n.doubleValue() : otherwise;
  }
}

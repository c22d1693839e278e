package org.sakd.pipeline;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a cluster run leaves in {@code cluster.json}: the coordinator, every trainer node admitted
 * (entry, address, device, rank, attempt) with its steps and the seconds they took and spent in the
 * ring all-reduce, and the faults seen. Filled by the proxies and the attempts, read once at the
 * end; synchronised because proxies of one attempt answer on their own threads.
 */
final class ClusterStats {

  private static final class Node {
    final Map<String, Object> info = new LinkedHashMap<>();
    long steps;
    long scored;
    double stepSeconds;
    double reduceSeconds;
  }

  private final String coordinator;
  private final List<Node> nodes = new ArrayList<>();
  private final List<Map<String, Object>> faults = new ArrayList<>();
  private boolean closed;
  private int attempts;

  ClusterStats(String coordinator) {
    this.coordinator = coordinator;
  }

  synchronized void attempt() {
    attempts++;
  }

  /** A node admitted into the current attempt; returns its handle for {@link #step}. */
  synchronized int admitted(String address, String entry, int rank) {
    Node n = new Node();
    n.info.put("role", "trainer");
    n.info.put("address", address);
    n.info.put("entry", entry);
    n.info.put("device", org.sakd.config.Settings.Cluster.device(entry));
    n.info.put("rank", rank);
    n.info.put("attempt", attempts);
    nodes.add(n);
    return nodes.size() - 1;
  }

  synchronized void step(int node, double stepSeconds, double reduceSeconds) {
    Node n = nodes.get(node);
    n.steps++;
    n.stepSeconds += stepSeconds;
    n.reduceSeconds += reduceSeconds;
  }

  synchronized void scored(int node, int samples) {
    nodes.get(node).scored += samples;
  }

  /**
   * Records a fault; false, recording nothing, once {@link #close} has taken the figures for
   * cluster.json (a node lost while the cluster shuts down is not the run's).
   */
  synchronized boolean fault(String node, String what) {
    if (closed) {
      return false;
    }
    Map<String, Object> f = new LinkedHashMap<>();
    f.put("time", Instant.now().toString());
    f.put("node", node);
    f.put("what", what);
    faults.add(f);
    return true;
  }

  /** The figures for cluster.json, once the run has ended; later faults are not recorded. */
  synchronized Map<String, Object> close() {
    closed = true;
    return toMap();
  }

  synchronized Map<String, Object> toMap() {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("coordinator", Map.of("role", "coordinator", "address", coordinator));
    List<Object> list = new ArrayList<>();
    double steps = 0;
    double step = 0;
    double reduce = 0;
    for (Node n : nodes) {
      Map<String, Object> m = new LinkedHashMap<>(n.info);
      m.put("steps", n.steps);
      m.put("scored_samples", n.scored);
      m.put("step_seconds", n.stepSeconds);
      m.put("allreduce_seconds", n.reduceSeconds);
      m.put("allreduce_share", n.stepSeconds == 0 ? null : n.reduceSeconds / n.stepSeconds);
      list.add(m);
      steps += n.steps;
      step += n.stepSeconds;
      reduce += n.reduceSeconds;
    }
    out.put("trainers", list);
    out.put("attempts", attempts);
    Map<String, Object> ar = new LinkedHashMap<>();
    ar.put("mean_step_ms", steps == 0 ? null : 1000 * step / steps);
    ar.put("mean_allreduce_ms", steps == 0 ? null : 1000 * reduce / steps);
    ar.put("allreduce_share_of_step", step == 0 ? null : reduce / step);
    out.put("allreduce", ar);
    out.put("faults", faults);
    return out;
  }
}

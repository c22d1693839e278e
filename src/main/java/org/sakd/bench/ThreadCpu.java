package org.sakd.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Where a measurement's CPU time goes, by thread group: decoders, the compute threads (teacher,
 * trainer, scorer actors on their pinned dispatcher), the actor dispatchers, the calling thread,
 * and the JVM itself (garbage collector, JIT compilers: the process's CPU time less its Java
 * threads'). Java threads are sampled every 50 ms so that threads which end inside the measurement
 * (an actor system's) still count, up to their last sample. Issue 13 asks which threads keep the
 * two cores busy; this answers it per run.
 */
final class ThreadCpu implements AutoCloseable {
  private static final long PERIOD_MS = 50;

  private final ThreadMXBean mx = ManagementFactory.getThreadMXBean();
  private final Map<Long, String> names = new HashMap<>();
  private final Map<Long, Long> first = new HashMap<>();
  private final Map<Long, Long> last = new HashMap<>();
  private final long process0 = PipelineBenchmark.cpuNanos();
  private final long wall0 = System.nanoTime();
  private final Thread sampler;
  private volatile boolean running = true;
  private long process;
  private long wall;
  private boolean initial = true;

  private ThreadCpu() {
    sample();
    initial = false;
    sampler =
        new Thread(
            () -> {
              while (running) {
                try {
                  Thread.sleep(PERIOD_MS);
                } catch (InterruptedException e) {
                  return;
                }
                sample();
              }
            },
            "bench-thread-cpu");
    sampler.setDaemon(true);
    sampler.start();
  }

  /** Starts sampling now; {@link #close} ends the measurement. */
  static ThreadCpu start() {
    return new ThreadCpu();
  }

  private synchronized void sample() {
    for (ThreadInfo t : mx.getThreadInfo(mx.getAllThreadIds())) {
      if (t == null) {
        continue;
      }
      long cpu = mx.getThreadCpuTime(t.getThreadId());
      if (cpu < 0) {
        continue;
      }
      names.putIfAbsent(t.getThreadId(), t.getThreadName());
      // a thread alive at the start counts from there; one first seen later, from zero
      first.putIfAbsent(t.getThreadId(), initial ? cpu : 0L);
      last.put(t.getThreadId(), cpu);
    }
  }

  @Override
  public void close() {
    sample();
    running = false;
    sampler.interrupt();
    synchronized (this) {
      process = PipelineBenchmark.cpuNanos() - process0;
      wall = System.nanoTime() - wall0;
    }
  }

  /** Cores the whole process kept busy over the measurement. */
  synchronized double cores() {
    return process / (double) wall;
  }

  static String group(String thread) {
    if (thread.contains("decoder")) {
      return "decoders";
    }
    if (thread.contains("compute")) {
      return "compute";
    }
    if (thread.equals("bench-thread-cpu")) {
      return "sampler";
    }
    if (thread.contains("dispatcher") || thread.contains("scheduler")) {
      return "actors";
    }
    if (thread.equals("main")) {
      return "main";
    }
    return "other Java";
  }

  /** Cores busy by group over the measurement (CPU seconds / wall seconds), largest first. */
  synchronized Map<String, Double> coresByGroup() {
    Map<String, Long> nanos = new HashMap<>();
    long java = 0;
    for (var e : last.entrySet()) {
      long d = e.getValue() - first.get(e.getKey());
      java += d;
      nanos.merge(group(names.get(e.getKey())), d, Long::sum);
    }
    nanos.put("JVM (GC, JIT)", Math.max(0, process - java));
    return nanos.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .collect(
            Collectors.toMap(
                Map.Entry::getKey,
                e -> e.getValue() / (double) wall,
                (a, b) -> a,
                LinkedHashMap::new));
  }

  /** "decoders 0.52, compute 1.01, ..." */
  String line() {
    return coresByGroup().entrySet().stream()
        .map(e -> String.format(Locale.ROOT, "%s %.2f", e.getKey(), e.getValue()))
        .collect(Collectors.joining(", "));
  }
}

package org.sakd.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.sakd.config.Settings;

/**
 * {@code distill} with several entries in train.devices: a cluster on this machine without a layout
 * file. This JVM is the coordinator on 127.0.0.1 and starts one trainer JVM per device ({@code sakd
 * node --role trainer}, the same cluster code as {@code scripts/launch-cluster}), each with the
 * run's resolved settings, its log in {@code runs/<name>-nodes/}; they are stopped when the run
 * ends. DJL's PyTorch engine allows one gradient collector per JVM, so replicas in one JVM take
 * turns ({@code train.replicas-in = one-jvm} keeps that mode).
 */
final class LocalCluster implements AutoCloseable {
  private final Settings settings;
  private final List<Process> trainers = new ArrayList<>();

  private LocalCluster(Settings settings) {
    this.settings = settings;
  }

  /** Whether {@code s} asks for one trainer JVM per device. */
  static boolean applies(Settings s) {
    return !s.cluster().enabled() && s.train().devices().size() > 1 && s.train().jvmPerDevice();
  }

  /** The coordinator's settings: a cluster of free loopback ports, one trainer per device. */
  Settings settings() {
    return settings;
  }

  static LocalCluster start(Settings s) {
    List<String> trainers = new ArrayList<>();
    for (String device : s.train().devices()) {
      trainers.add("127.0.0.1:" + freePort() + "/" + device);
    }
    Settings cs =
        s.with(
            Map.of(
                "cluster.enabled",
                true,
                "cluster.coordinator",
                "127.0.0.1:" + freePort(),
                "cluster.trainers",
                trainers,
                // the trainer JVMs of train.devices decode their own clips: no decoder nodes start
                "cluster.decoders",
                List.of()));
    LocalCluster c = new LocalCluster(cs);
    Path logs = s.run().dir().resolve(s.run().name() + "-nodes");
    try {
      Files.createDirectories(logs);
      Path conf = logs.resolve("run.conf");
      // run.conf shows the cluster.tls passwords as "***" (render()); the trainer JVMs get them
      // through their environment, so they never land in a file
      StringBuilder text = new StringBuilder(cs.render()).append('\n');
      Map<String, String> secrets = new java.util.HashMap<>();
      for (String k : Settings.SECRET_KEYS) {
        String var = "SAKD_" + k.replace("cluster.tls.", "TLS_").replace('-', '_').toUpperCase();
        text.append(k).append(" = ${?").append(var).append("}\n");
        secrets.put(var, cs.raw().getString(k));
      }
      Files.writeString(conf, text);
      List<String> jvm = new ArrayList<>();
      jvm.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
        if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent")) {
          jvm.add(a);
        }
      }
      jvm.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
      for (int i = 0; i < trainers.size(); i++) {
        List<String> cmd = new ArrayList<>(jvm);
        cmd.addAll(List.of("node", "-c", conf.toString(), "--role", "trainer", "--index", "" + i));
        Path log = logs.resolve("trainer-" + i + ".log");
        ProcessBuilder pb =
            new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        pb.environment().putAll(secrets);
        c.trainers.add(pb.start());
        System.err.println(
            "trainer JVM " + i + " on " + s.train().devices().get(i) + " (log " + log + ")");
      }
    } catch (IOException e) {
      c.close();
      throw new UncheckedIOException("cannot start the trainer JVMs: " + e.getMessage(), e);
    }
    return c;
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("no free port on 127.0.0.1: " + e.getMessage(), e);
    }
  }

  /** The trainers end when the run tells them; any still running after 20 s are stopped. */
  @Override
  public void close() {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    for (Process p : trainers) {
      try {
        long left = Math.max(0, deadline - System.nanoTime());
        if (!p.waitFor(left, TimeUnit.NANOSECONDS)) {
          p.destroy();
          if (!p.waitFor(5, TimeUnit.SECONDS)) {
            p.destroyForcibly();
          }
        }
      } catch (InterruptedException e) {
        p.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }
}

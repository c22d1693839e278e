package org.sakd.bench;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.sakd.cluster.ClusterConfig;
import org.sakd.cluster.NodeSpec;
import org.sakd.cluster.RingAllReduce;
import org.sakd.data.Clip;
import org.sakd.proto.RingMembership;
import org.sakd.train.Network;
import org.sakd.train.PlainLoop;
import org.sakd.train.SgdOptimizer;

/**
 * Ring all-reduce throughput between two cluster nodes on loopback (Artery TCP): by default two
 * JVMs (this one and a child it starts with the same class path), with {@code --jvms 1} two actor
 * systems in this JVM. Times the all-reduce of a 10-million-float gradient and of the demo
 * student's gradient, and one training step of the demo student (r3d-micro, batch 6 of 3×8×56×56,
 * one compute thread) for scale. Usage: [--json] [--jvms 1|2] [--floats N] [--reps N] [--window N]
 * [--chunk-floats N]. The child runs this class with {@code --member seed-host:port}.
 */
public final class ClusterBenchmark {
  private ClusterBenchmark() {}

  private static final Duration ASK = Duration.ofMinutes(5);

  /** The run's shape, the same in both JVMs (the child gets it on its command line). */
  private record Plan(int floats, int studentFloats, int reps, int window, int chunkFloats) {
    int studentReps() {
      return Math.max(reps, 10);
    }
  }

  public static void main(String[] args) throws Exception {
    boolean json = List.of(args).contains("--json");
    int floats = 10_000_000;
    int reps = 5;
    int window = RingAllReduce.DEFAULT_WINDOW;
    int chunkFloats = RingAllReduce.MAX_CHUNK_FLOATS;
    int jvms = 2;
    int studentFloats = -1;
    String member = null;
    for (int i = 0; i < args.length - 1; i++) {
      switch (args[i]) {
        case "--floats" -> floats = Integer.parseInt(args[i + 1]);
        case "--reps" -> reps = Integer.parseInt(args[i + 1]);
        case "--window" -> window = Integer.parseInt(args[i + 1]);
        case "--jvms" -> jvms = Integer.parseInt(args[i + 1]);
        case "--chunk-floats" -> chunkFloats = Integer.parseInt(args[i + 1]);
        case "--student-floats" -> studentFloats = Integer.parseInt(args[i + 1]);
        case "--member" -> member = args[i + 1];
        default -> {}
      }
    }
    if (jvms != 1 && jvms != 2) {
      throw new IllegalArgumentException("--jvms " + jvms + ": 1 or 2");
    }
    if (member != null) {
      runMember(member, new Plan(floats, studentFloats, reps, window, chunkFloats));
      return;
    }
    // one compute thread, as the project's training-rate figures; set before the engine starts
    if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
      System.setProperty("ai.djl.pytorch.num_threads", "1");
      System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }
    String model = "r3d-micro";
    int batch = 6;
    double[] step = new double[1];
    studentFloats = trainingStep(model, batch, step);
    double stepMs = step[0];
    Plan plan = new Plan(floats, studentFloats, reps, window, chunkFloats);

    List<ActorSystem<Void>> systems = new ArrayList<>();
    Process child = null;
    try {
      List<ActorRef<RingAllReduce.Command>> rings = new ArrayList<>();
      systems.add(startNode(List.of(), plan, rings));
      Address seed = Cluster.get(systems.get(0)).selfMember().address();
      Cluster.get(systems.get(0)).manager().tell(Join.create(seed));
      String seedHostPort = seed.getHost().get() + ":" + seed.getPort().get();
      if (jvms == 1) {
        systems.add(startNode(List.of(seedHostPort), plan, rings));
      } else {
        child = startChild(seedHostPort, plan);
      }
      awaitUp(systems.get(0), 2);
      joinRing(systems, rings);
      double[] big = time(systems, rings, plan.floats(), plan.reps());
      double[] student = time(systems, rings, plan.studentFloats(), plan.studentReps());
      if (child != null && !child.waitFor(2, TimeUnit.MINUTES)) {
        throw new IllegalStateException("the member JVM did not finish its steps");
      }
      if (child != null && child.exitValue() != 0) {
        throw new IllegalStateException("the member JVM failed (exit " + child.exitValue() + ")");
      }
      report(json, jvms, plan, big, student, model, batch, stepMs);
    } finally {
      if (child != null && child.isAlive()) {
        child.destroy();
      }
      // one after the other, the seed last: each leaves the cluster before the next goes
      for (int i = systems.size() - 1; i >= 0; i--) {
        systems.get(i).terminate();
        systems.get(i).getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
      }
    }
  }

  private static void report(
      boolean json,
      int jvms,
      Plan plan,
      double[] big,
      double[] student,
      String model,
      int batch,
      double stepMs) {
    double bigMs = median(big);
    double studentMs = median(student);
    double mbPerS = plan.floats() * 4.0 / 1e6 / (bigMs / 1e3);
    String transport =
        jvms == 2
            ? "2 JVMs on one machine, Artery TCP over loopback"
            : "2 actor systems in one JVM, Artery TCP over loopback";
    if (json) {
      System.out.println(
          String.format(
              Locale.ROOT,
              "{\"transport\":\"%s\",\"jvms\":%d,\"members\":2,\"window\":%d,\"chunk_floats\":%d,\"floats\":%d,"
                  + "\"reps\":%d,\"allreduce_ms_median\":%.1f,\"allreduce_ms_min\":%.1f,"
                  + "\"allreduce_ms_max\":%.1f,\"mb_per_s\":%.1f,\"student\":\"%s\","
                  + "\"student_floats\":%d,\"student_allreduce_ms\":%.2f,\"step_ms\":%.1f,"
                  + "\"student_allreduce_per_step\":%.3f}",
              transport,
              jvms,
              plan.window(),
              plan.chunkFloats(),
              plan.floats(),
              plan.reps(),
              bigMs,
              min(big),
              max(big),
              mbPerS,
              model,
              plan.studentFloats(),
              studentMs,
              stepMs,
              studentMs / stepMs));
    } else {
      System.out.printf(
          Locale.ROOT,
          "ring all-reduce, %s, window %d chunks of %,d floats%n"
              + "  %,d floats (%.1f MB): median %.1f ms (min %.1f, max %.1f over %d), %.1f MB/s"
              + " of gradient%n"
              + "  %s gradient, %,d floats: median %.2f ms (over %d)%n"
              + "  %s training step, batch %d of 3×8×56×56, one compute thread: median %.1f ms;"
              + " its all-reduce would add %.1f%% to it%n",
          transport,
          plan.window(),
          plan.chunkFloats(),
          plan.floats(),
          plan.floats() * 4 / 1e6,
          bigMs,
          min(big),
          max(big),
          plan.reps(),
          mbPerS,
          model,
          plan.studentFloats(),
          studentMs,
          plan.studentReps(),
          model,
          batch,
          stepMs,
          100 * studentMs / stepMs);
    }
  }

  /** Median ms of 10 cross-entropy SGD steps (after 3) into {@code ms[0]}; the gradient's size. */
  private static int trainingStep(String model, int batch, double[] ms) {
    try (NDManager root = NDManager.newBaseManager();
        Network net = Network.create(model, 10, root, 1);
        SgdOptimizer opt = new SgdOptimizer(net.trainable(), 0.9, 5e-4, false, root)) {
      Shape x = net.classifier().inputShape(batch);
      Random rnd = new Random(1);
      List<Clip> clips = new ArrayList<>();
      int[] labels = new int[batch];
      for (int i = 0; i < batch; i++) {
        float[] d = new float[(int) (x.size() / batch)];
        for (int k = 0; k < d.length; k++) {
          d[k] = (float) rnd.nextGaussian();
        }
        clips.add(new Clip(d, (int) x.get(1), (int) x.get(2), (int) x.get(3), (int) x.get(4)));
        labels[i] = i % 10;
      }
      int steps = 10;
      double[] t = new double[steps];
      for (int i = -3; i < steps; i++) {
        long t0 = System.nanoTime();
        PlainLoop.step(net, opt, clips, labels, 0.01);
        if (i >= 0) {
          t[i] = (System.nanoTime() - t0) / 1e6;
        }
      }
      ms[0] = median(t);
      return opt.size();
    }
  }

  /** A node with a ring actor named {@link RingAllReduce#NAME}, added to {@code rings}. */
  private static ActorSystem<Void> startNode(
      List<String> seeds, Plan plan, List<ActorRef<RingAllReduce.Command>> rings) throws Exception {
    CompletableFuture<ActorRef<RingAllReduce.Command>> ref = new CompletableFuture<>();
    ActorSystem<Void> s =
        ActorSystem.create(
            Behaviors.setup(
                ctx -> {
                  ref.complete(
                      ctx.spawn(
                          RingAllReduce.create(plan.chunkFloats(), plan.window()),
                          RingAllReduce.NAME));
                  return Behaviors.empty();
                }),
            ClusterConfig.SYSTEM_NAME,
            ClusterConfig.system(NodeSpec.loopback(0, seeds)));
    rings.add(ref.get(60, TimeUnit.SECONDS));
    return s;
  }

  private static Process startChild(String seed, Plan plan) throws Exception {
    Path java = Path.of(System.getProperty("java.home"), "bin", "java");
    List<String> cmd =
        List.of(
            java.toString(),
            "-Xmx2g",
            "--add-modules",
            "jdk.incubator.vector",
            "-cp",
            System.getProperty("java.class.path"),
            ClusterBenchmark.class.getName(),
            "--member",
            seed,
            "--floats",
            Integer.toString(plan.floats()),
            "--student-floats",
            Integer.toString(plan.studentFloats()),
            "--reps",
            Integer.toString(plan.reps()),
            "--window",
            Integer.toString(plan.window()),
            "--chunk-floats",
            Integer.toString(plan.chunkFloats()));
    // the child's stdout carries nothing; its errors go to this process's stderr
    return new ProcessBuilder(cmd)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.INHERIT)
        .start();
  }

  private static void awaitUp(ActorSystem<Void> s, int members) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (upMembers(s).size() != members) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("the " + members + " nodes did not form a cluster in 90 s");
      }
      Thread.sleep(100);
    }
  }

  private static List<Member> upMembers(ActorSystem<Void> s) {
    List<Member> up = new ArrayList<>();
    for (Member m : Cluster.get(s).state().getMembers()) {
      if (m.status() == MemberStatus.up()) {
        up.add(m);
      }
    }
    return up;
  }

  /**
   * Ring 1: rank 0 the ring of this JVM's first node, rank 1 the other node's ring (its path:
   * {@code <address>/user/ring}), each told by the wire message {@link RingMembership}.
   */
  private static void joinRing(
      List<ActorSystem<Void>> systems, List<ActorRef<RingAllReduce.Command>> rings) {
    ActorSystem<Void> lead = systems.get(0);
    ActorRefResolver resolver = ActorRefResolver.get(lead);
    Address self = Cluster.get(lead).selfMember().address();
    String mine = resolver.toSerializationFormat(rings.get(0));
    String other = null;
    for (Member m : upMembers(lead)) {
      if (!m.address().equals(self)) {
        other = m.address() + "/user/" + RingAllReduce.NAME;
      }
    }
    for (int rank = 0; rank < 2; rank++) {
      RingMembership ring =
          RingMembership.newBuilder()
              .setRingId(1)
              .setRank(rank)
              .addMembers(mine)
              .addMembers(other)
              .build();
      resolver.<Object>resolveActorRef(rank == 0 ? mine : other).tell(ring);
    }
  }

  /** The child JVM: one node, ring member 1, the same steps as the lead with the other part. */
  private static void runMember(String seed, Plan plan) throws Exception {
    List<ActorRef<RingAllReduce.Command>> rings = new ArrayList<>();
    ActorSystem<Void> s = startNode(List.of(seed), plan, rings);
    try {
      long step = 0;
      for (int[] size :
          new int[][] {{plan.floats(), plan.reps()}, {plan.studentFloats(), plan.studentReps()}}) {
        float[][] parts = parts(size[0]);
        float[] expected = RingAllReduce.reference(parts);
        for (int r = -1; r < size[1]; r++) {
          long id = step++;
          float[] sum =
              AskPattern.<RingAllReduce.Command, RingAllReduce.Reduced>ask(
                      rings.get(0),
                      rr -> new RingAllReduce.Reduce(id, parts[1], rr),
                      ASK,
                      s.scheduler())
                  .toCompletableFuture()
                  .get(ASK.toSeconds() + 10, TimeUnit.SECONDS)
                  .sum();
          if (r < 0 && !Arrays.equals(sum, expected)) {
            throw new IllegalStateException("member 1: the sum differs from the reference");
          }
        }
      }
    } finally {
      s.terminate();
      s.getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
    System.exit(0);
  }

  /** Both members' contributions for a gradient of {@code n} floats (the same in both JVMs). */
  private static float[][] parts(int n) {
    Random rnd = new Random(n);
    float[][] parts = new float[2][n];
    for (float[] p : parts) {
      for (int k = 0; k < n; k++) {
        p[k] = (float) rnd.nextGaussian();
      }
    }
    return parts;
  }

  private static long nextStep;

  /**
   * Milliseconds per all-reduce of {@code n} floats as this JVM's members see it, {@code reps}
   * times after one warm-up whose result is checked against {@link RingAllReduce#reference}.
   */
  private static double[] time(
      List<ActorSystem<Void>> systems, List<ActorRef<RingAllReduce.Command>> rings, int n, int reps)
      throws Exception {
    float[][] parts = parts(n);
    float[] expected = RingAllReduce.reference(parts);
    double[] ms = new double[reps];
    for (int r = -1; r < reps; r++) {
      long step = nextStep++;
      long t0 = System.nanoTime();
      List<CompletableFuture<RingAllReduce.Reduced>> asks = new ArrayList<>();
      for (int i = 0; i < rings.size(); i++) {
        float[] part = parts[i];
        asks.add(
            AskPattern.<RingAllReduce.Command, RingAllReduce.Reduced>ask(
                    rings.get(i),
                    rr -> new RingAllReduce.Reduce(step, part, rr),
                    ASK,
                    systems.get(i).scheduler())
                .toCompletableFuture());
      }
      List<float[]> sums = new ArrayList<>();
      for (var a : asks) {
        sums.add(a.get(ASK.toSeconds() + 10, TimeUnit.SECONDS).sum());
      }
      if (r >= 0) {
        ms[r] = (System.nanoTime() - t0) / 1e6;
      } else {
        for (float[] s : sums) {
          if (!Arrays.equals(s, expected)) {
            throw new IllegalStateException("the ring's sum differs from RingAllReduce.reference");
          }
        }
      }
    }
    return ms;
  }

  private static double median(double[] v) {
    double[] s = v.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  private static double min(double[] v) {
    return Arrays.stream(v).min().orElse(Double.NaN);
  }

  private static double max(double[] v) {
    return Arrays.stream(v).max().orElse(Double.NaN);
  }
}

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
import java.util.stream.Collectors;
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
 * systems in this JVM. Times the all-reduce of a 10-million-float gradient and of two students'
 * gradients, the demo student (r3d-micro, 3×8×56×56) and a mid-size one (r3d18-w0.5, 3×8×112×112),
 * beside one training step of each (batch 6, one compute thread), and prints each all-reduce's
 * share of its step. Every size first runs {@code --warmup} untimed all-reduces (the first checked
 * against {@link RingAllReduce#reference}): a training run does one per step, hundreds per epoch,
 * so the figures are of warm code, not of the JIT's first minutes. Usage: [--json] [--jvms 1|2]
 * [--floats N] [--reps N] [--warmup N] [--window N] [--chunk-floats N]. The child runs this class
 * with {@code --member seed-host:port}.
 */
public final class ClusterBenchmark {
  private ClusterBenchmark() {}

  private static final Duration ASK = Duration.ofMinutes(5);

  /** The students whose steps and gradients are measured: name and input (C, T, H, W). */
  private record Student(String model, String role, int side) {
    Shape input(int batch) {
      return new Shape(batch, 3, 8, side, side);
    }
  }

  private static final List<Student> STUDENTS =
      List.of(new Student("r3d-micro", "demo", 56), new Student("r3d18-w0.5", "mid-size", 112));

  private static final int BATCH = 6;

  /**
   * The run's shape, the same in both JVMs (the child gets it on its command line): the big
   * gradient's floats, each student's gradient floats, timed and untimed all-reduces per size.
   */
  private record Plan(
      int floats, int[] studentFloats, int reps, int warmup, int window, int chunkFloats) {
    /** Every size to all-reduce, in order, with its timed repetitions. */
    int[][] sizes() {
      int[][] out = new int[1 + studentFloats.length][];
      out[0] = new int[] {floats, reps};
      for (int i = 0; i < studentFloats.length; i++) {
        out[i + 1] = new int[] {studentFloats[i], studentReps()};
      }
      return out;
    }

    int studentReps() {
      return Math.max(reps, 50);
    }
  }

  public static void main(String[] args) throws Exception {
    boolean json = List.of(args).contains("--json");
    int floats = 10_000_000;
    int reps = 20;
    int warmup = 30;
    int window = RingAllReduce.DEFAULT_WINDOW;
    int chunkFloats = RingAllReduce.MAX_CHUNK_FLOATS;
    int jvms = 2;
    int[] studentFloats = null;
    String member = null;
    for (int i = 0; i < args.length - 1; i++) {
      switch (args[i]) {
        case "--floats" -> floats = Integer.parseInt(args[i + 1]);
        case "--reps" -> reps = Integer.parseInt(args[i + 1]);
        case "--warmup" -> warmup = Integer.parseInt(args[i + 1]);
        case "--window" -> window = Integer.parseInt(args[i + 1]);
        case "--jvms" -> jvms = Integer.parseInt(args[i + 1]);
        case "--chunk-floats" -> chunkFloats = Integer.parseInt(args[i + 1]);
        case "--student-floats" ->
            studentFloats =
                Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
        case "--member" -> member = args[i + 1];
        default -> {}
      }
    }
    if (jvms != 1 && jvms != 2) {
      throw new IllegalArgumentException("--jvms " + jvms + ": 1 or 2");
    }
    if (reps < 1 || warmup < 1) {
      throw new IllegalArgumentException("--reps and --warmup must be at least 1");
    }
    if (member != null) {
      runMember(member, new Plan(floats, studentFloats, reps, warmup, window, chunkFloats));
      return;
    }
    // one compute thread, as the project's training-rate figures; set before the engine starts
    if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
      System.setProperty("ai.djl.pytorch.num_threads", "1");
      System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }
    studentFloats = new int[STUDENTS.size()];
    double[] stepMs = new double[STUDENTS.size()];
    for (int i = 0; i < STUDENTS.size(); i++) {
      double[] step = new double[1];
      studentFloats[i] = trainingStep(STUDENTS.get(i), step);
      stepMs[i] = step[0];
    }
    Plan plan = new Plan(floats, studentFloats, reps, warmup, window, chunkFloats);

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
      List<double[]> timed = new ArrayList<>();
      for (int[] size : plan.sizes()) {
        timed.add(time(systems, rings, size[0], size[1], plan.warmup()));
      }
      if (child != null && !child.waitFor(2, TimeUnit.MINUTES)) {
        throw new IllegalStateException("the member JVM did not finish its steps");
      }
      if (child != null && child.exitValue() != 0) {
        throw new IllegalStateException("the member JVM failed (exit " + child.exitValue() + ")");
      }
      report(json, jvms, plan, timed, stepMs);
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
      boolean json, int jvms, Plan plan, List<double[]> timed, double[] stepMs) {
    double[] big = timed.get(0);
    double bigMs = Stats.median(big);
    double mbPerS = plan.floats() * 4.0 / 1e6 / (bigMs / 1e3);
    String transport =
        jvms == 2
            ? "2 JVMs on one machine, Artery TCP over loopback"
            : "2 actor systems in one JVM, Artery TCP over loopback";
    if (json) {
      StringBuilder students = new StringBuilder();
      for (int i = 0; i < STUDENTS.size(); i++) {
        Student st = STUDENTS.get(i);
        double ms = Stats.median(timed.get(i + 1));
        students.append(
            String.format(
                Locale.ROOT,
                "%s{\"student\":\"%s\",\"role\":\"%s\",\"input\":\"3x8x%dx%d\",\"floats\":%d,"
                    + "\"allreduce_ms\":%.2f,\"step_ms\":%.1f,\"allreduce_per_step\":%.3f}",
                i == 0 ? "" : ",",
                st.model(),
                st.role(),
                st.side(),
                st.side(),
                plan.studentFloats()[i],
                ms,
                stepMs[i],
                ms / stepMs[i]));
      }
      System.out.println(
          String.format(
              Locale.ROOT,
              "{\"transport\":\"%s\",\"jvms\":%d,\"members\":2,\"window\":%d,\"chunk_floats\":%d,"
                  + "\"warmup\":%d,\"floats\":%d,\"reps\":%d,\"allreduce_ms_median\":%.1f,"
                  + "\"allreduce_ms_min\":%.1f,\"allreduce_ms_max\":%.1f,\"mb_per_s\":%.1f,"
                  + "\"batch\":%d,\"students\":[%s]}",
              transport,
              jvms,
              plan.window(),
              plan.chunkFloats(),
              plan.warmup(),
              plan.floats(),
              plan.reps(),
              bigMs,
              min(big),
              max(big),
              mbPerS,
              BATCH,
              students));
      return;
    }
    System.out.printf(
        Locale.ROOT,
        "ring all-reduce, %s, window %d chunks of %,d floats, each size after %d untimed"
            + " all-reduces%n"
            + "  %,d floats (%.1f MB): median %.1f ms (min %.1f, max %.1f over %d), %.1f MB/s"
            + " of gradient%n",
        transport,
        plan.window(),
        plan.chunkFloats(),
        plan.warmup(),
        plan.floats(),
        plan.floats() * 4 / 1e6,
        bigMs,
        min(big),
        max(big),
        plan.reps(),
        mbPerS);
    for (int i = 0; i < STUDENTS.size(); i++) {
      Student st = STUDENTS.get(i);
      double[] t = timed.get(i + 1);
      double ms = Stats.median(t);
      System.out.printf(
          Locale.ROOT,
          "  %s student %s, %,d floats: all-reduce median %.2f ms (min %.2f, over %d);"
              + " training step, batch %d of 3×8×%d×%d, one compute thread: median %.1f ms;"
              + " the all-reduce is %.1f%% of the step%n",
          st.role(),
          st.model(),
          plan.studentFloats()[i],
          ms,
          min(t),
          t.length,
          BATCH,
          st.side(),
          st.side(),
          stepMs[i],
          100 * ms / stepMs[i]);
    }
  }

  /**
   * Median ms of cross-entropy SGD steps of {@code st} (10 after 3 for a small student, 5 after 2
   * for one whose step takes over a second) into {@code ms[0]}; the gradient's size.
   */
  private static int trainingStep(Student st, double[] ms) {
    try (NDManager root = NDManager.newBaseManager();
        Network net = Network.create(st.model(), 10, root, 1);
        SgdOptimizer opt = new SgdOptimizer(net.trainable(), 0.9, 5e-4, false, root)) {
      Shape x = st.input(BATCH);
      Random rnd = new Random(1);
      List<Clip> clips = new ArrayList<>();
      int[] labels = new int[BATCH];
      for (int i = 0; i < BATCH; i++) {
        float[] d = new float[(int) (x.size() / BATCH)];
        for (int k = 0; k < d.length; k++) {
          d[k] = (float) rnd.nextGaussian();
        }
        clips.add(new Clip(d, (int) x.get(1), (int) x.get(2), (int) x.get(3), (int) x.get(4)));
        labels[i] = i % 10;
      }
      List<Double> t = new ArrayList<>();
      int warm = 2;
      int steps = 5;
      for (int i = 0; i < warm + steps; i++) {
        long t0 = System.nanoTime();
        PlainLoop.step(net, opt, clips, labels, 0.01);
        double took = (System.nanoTime() - t0) / 1e6;
        if (i == 0 && took < 1000) {
          warm = 3;
          steps = 10;
        }
        if (i >= warm) {
          t.add(took);
        }
      }
      ms[0] = Stats.median(t);
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
            Arrays.stream(plan.studentFloats())
                .mapToObj(Integer::toString)
                .collect(Collectors.joining(",")),
            "--reps",
            Integer.toString(plan.reps()),
            "--warmup",
            Integer.toString(plan.warmup()),
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
      for (int[] size : plan.sizes()) {
        float[][] parts = parts(size[0]);
        float[] expected = RingAllReduce.reference(parts);
        for (int r = -plan.warmup(); r < size[1]; r++) {
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
          if (r == -plan.warmup() && !Arrays.equals(sum, expected)) {
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
   * times after {@code warmup} untimed ones, the first checked against {@link
   * RingAllReduce#reference}.
   */
  private static double[] time(
      List<ActorSystem<Void>> systems,
      List<ActorRef<RingAllReduce.Command>> rings,
      int n,
      int reps,
      int warmup)
      throws Exception {
    float[][] parts = parts(n);
    float[] expected = RingAllReduce.reference(parts);
    double[] ms = new double[reps];
    for (int r = -warmup; r < reps; r++) {
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
      } else if (r == -warmup) {
        for (float[] s : sums) {
          if (!Arrays.equals(s, expected)) {
            throw new IllegalStateException("the ring's sum differs from RingAllReduce.reference");
          }
        }
      }
    }
    return ms;
  }

  private static double min(double[] v) {
    return Arrays.stream(v).min().orElse(Double.NaN);
  }

  private static double max(double[] v) {
    return Arrays.stream(v).max().orElse(Double.NaN);
  }
}

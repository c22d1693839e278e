package org.sakd.bench;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.bytedeco.ffmpeg.global.avcodec;
import org.sakd.config.Settings;
import org.sakd.data.Clip;
import org.sakd.data.ClipSource;
import org.sakd.data.ClipSources;
import org.sakd.data.ClipSpec;
import org.sakd.data.DatasetIndex;
import org.sakd.data.Datasets;
import org.sakd.data.Sample;
import org.sakd.distill.DistillSettings;
import org.sakd.distill.Distillers;
import org.sakd.model.ModelInfo;
import org.sakd.monitor.Json;
import org.sakd.pipeline.DistillRun;
import org.sakd.train.Batches;
import org.sakd.train.ClipLoader;
import org.sakd.train.EpochRecord;
import org.sakd.train.LrSchedule;
import org.sakd.train.Network;
import org.sakd.train.StudentReplica;

/**
 * The project against a plain PyTorch program of the same work ({@code bench/peer/torch_kd.py}):
 * the same R3D teacher and student, clip sampling, batch, vanilla KD loss, SGD and LR schedule, on
 * the same training list, one compute thread on both sides. Three rows:
 *
 * <ul>
 *   <li>(a) the whole loop with a new random clip of every video each epoch: the actor pipeline
 *       ({@code data.train-sampling = random}) against a DataLoader with as many worker processes
 *       as {@code data.decoders};
 *   <li>(b) the compute step alone (teacher forward, student forward and backward, the SGD step) on
 *       clips decoded once beforehand;
 *   <li>(c) the project's default run ({@code data.train-sampling = fixed}: teacher outputs and
 *       decoded clips cached after the first epoch); the PyTorch program has no cache, so its (a)
 *       is what (c) is compared with.
 * </ul>
 *
 * Each measurement runs {@code --epochs} epochs (default 4) and counts all but the first. With
 * {@code --rounds R} the whole set of measurements runs R times, the Java rows and the PyTorch
 * program taking turns, so that a machine whose speed drifts over minutes (this project's 2-core VM
 * moves by 20–30 %) slows both sides alike; the table gives the rounds' mean rates, and one line
 * per row each round's ratio and their median. The data set must exist ({@code scripts/sakd
 * generate} with the same settings). Usage: [--epochs N] [--rounds R] [--python EXE --script
 * bench/peer/torch_kd.py | --peer-missing REASON] [--json] [key=value settings]; without {@code
 * --python} (or when it cannot import torch) only the project's side is measured and printed.
 */
public final class PeerBenchmark {
  private PeerBenchmark() {}

  /**
   * Clips per second over the counted epochs (total clips / total seconds) and per epoch, and the
   * cores this process kept busy over the whole measurement (warm-up epoch included), in all and by
   * thread group ({@link ThreadCpu}).
   */
  record Rate(
      double clipsPerSecond, List<Double> epochs, double coresBusy, Map<String, Double> byThread) {
    Rate busy(ThreadCpu cpu) {
      return new Rate(clipsPerSecond, epochs, cpu.cores(), cpu.coresByGroup());
    }

    static Rate of(List<Double> clips, List<Double> seconds) {
      double c = 0;
      double t = 0;
      List<Double> per = new ArrayList<>();
      for (int i = 0; i < clips.size(); i++) {
        c += clips.get(i);
        t += seconds.get(i);
        per.add(clips.get(i) / seconds.get(i));
      }
      return new Rate(c / t, per, Double.NaN, Map.of());
    }

    /**
     * Several rounds' rates as one: the mean of their clips/s, every counted epoch's rate, and the
     * mean cores busy, in all and by thread group.
     */
    static Rate pool(List<Rate> rounds) {
      if (rounds.size() == 1) {
        return rounds.get(0);
      }
      List<Double> per = new ArrayList<>();
      Map<String, Double> groups = new LinkedHashMap<>();
      double rate = 0;
      double cores = 0;
      for (Rate x : rounds) {
        rate += x.clipsPerSecond() / rounds.size();
        cores += x.coresBusy() / rounds.size();
        per.addAll(x.epochs());
        x.byThread().forEach((k, v) -> groups.merge(k, v / rounds.size(), Double::sum));
      }
      return new Rate(rate, per, cores, groups);
    }

    String range() {
      return String.format(
          Locale.ROOT, "%.1f–%.1f", Collections.min(epochs), Collections.max(epochs));
    }
  }

  public static void main(String[] args) throws Exception {
    boolean json = List.of(args).contains("--json");
    int epochs = 4;
    int rounds = 1;
    String python = null;
    String script = "bench/peer/torch_kd.py";
    String missing = "no Python given (--python)";
    List<String> overrides = new ArrayList<>();
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--epochs" -> epochs = Integer.parseInt(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--python" -> python = args[++i];
        case "--script" -> script = args[++i];
        case "--peer-missing" -> missing = args[++i];
        case "--json" -> {}
        default -> {
          if (!args[i].contains("=")) {
            throw new IllegalArgumentException("unknown argument " + args[i]);
          }
          overrides.add(args[i]);
        }
      }
    }
    if (epochs < 2) {
      throw new IllegalArgumentException("--epochs must be >= 2 (the first one is a warm-up)");
    }
    if (rounds < 1) {
      throw new IllegalArgumentException("--rounds must be >= 1");
    }
    if (python == null) {
      rounds = 1; // nothing to interleave with
    }
    Path work = Files.createTempDirectory("sakd-bench-peer");
    List<String> settings =
        new ArrayList<>(
            List.of(
                "run.dir=\"" + work.resolve("runs") + "\"",
                "run.name=peer",
                "distill.mode=vanilla",
                "train.compute-threads=1",
                "train.epochs=" + epochs));
    settings.addAll(overrides);
    Settings s = Settings.load(null, settings);
    s.applyComputeThreads();
    if (!s.distill().method().equals("kd")) {
      throw new IllegalArgumentException(
          "the PyTorch program implements distill.method = kd only, got " + s.distill().method());
    }
    DatasetIndex index = Datasets.open(s.data().format(), s.data().root(), s.data().options());
    Settings.Clip c = s.data().clip();
    ClipSource source =
        ClipSources.forIndex(
            index,
            new ClipSpec(c.frames(), c.stride(), c.shortSide(), c.crop(), c.mean(), c.std()));
    int classes = index.classes().size();
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("teacher", s.model().teacher());
    r.put("student", s.model().student());
    r.put("clips", index.train().size());
    r.put("batch", s.train().batchSize());
    r.put("decoders", s.data().decoders());
    r.put("epochs_counted", epochs - 1);
    r.put("java_engine", "DJL " + Engine.getDjlVersion() + ", libtorch " + engineVersion());
    int v = avcodec.avcodec_version();
    r.put(
        "java_decoder",
        "FFmpeg (JavaCPP presets), libavcodec "
            + (v >> 16)
            + "."
            + (v >> 8 & 255)
            + "."
            + (v & 255));
    byte[] teacherBytes;
    try (NDManager m = NDManager.newBaseManager();
        Network t = Network.create(s.model().teacher(), classes, false, s.model().compile(), m, 1);
        Network st =
            Network.create(s.model().student(), classes, true, s.model().compile(), m, 2)) {
      teacherBytes = t.parameterBytes();
      r.put("java_teacher_params", ModelInfo.parameterCount(t.block()));
      r.put("java_student_params", ModelInfo.parameterCount(st.block()));
      r.put("java_teacher_shapes", shapes(t));
      r.put("java_student_shapes", shapes(st));
    }

    // Rounds interleave the two sides (Java's three rows, then the PyTorch program), so that a
    // machine whose speed drifts over minutes slows both alike; each round's ratios are its own
    List<Rate> wholes = new ArrayList<>();
    List<Rate> computes = new ArrayList<>();
    List<Rate> cacheds = new ArrayList<>();
    List<Map<String, String>> peers = new ArrayList<>();
    for (int round = 1; round <= rounds; round++) {
      Rate whole = busy(() -> pipeline(s, index, source, teacherBytes, "random"));
      System.err.printf(
          Locale.ROOT, "peer: (a) Java pipeline %.1f clips/s%n", whole.clipsPerSecond());
      Rate compute = busy(() -> computeOnly(s, index, source, teacherBytes));
      System.err.printf(
          Locale.ROOT, "peer: (b) Java compute step %.1f clips/s%n", compute.clipsPerSecond());
      Rate cached = busy(() -> pipeline(s, index, source, teacherBytes, "fixed"));
      System.err.printf(
          Locale.ROOT, "peer: (c) Java default run %.1f clips/s%n", cached.clipsPerSecond());
      Map<String, String> peer =
          python == null
              ? Map.of("missing", missing)
              : runPeer(python, script, s, index, classes, epochs, work);
      wholes.add(whole);
      computes.add(compute);
      cacheds.add(cached);
      peers.add(peer);
      if (!peer.containsKey("missing")) {
        System.err.printf(
            Locale.ROOT,
            "peer: round %d of %d, Java/PyTorch: (a) %.2f, (b) %.2f, (c) %.2f%n",
            round,
            rounds,
            whole.clipsPerSecond() / number(peer, "whole_loop_clips_per_s"),
            compute.clipsPerSecond() / number(peer, "compute_clips_per_s"),
            cached.clipsPerSecond() / number(peer, "whole_loop_clips_per_s"));
      }
    }
    Rate whole = Rate.pool(wholes);
    Rate compute = Rate.pool(computes);
    Rate cached = Rate.pool(cacheds);
    Map<String, String> peer = poolPeer(peers);
    r.put("rounds", rounds);
    r.put("java_whole_loop_clips_per_s", whole.clipsPerSecond());
    r.put("java_whole_loop_epochs", whole.epochs());
    r.put("java_whole_loop_cores_busy", whole.coresBusy());
    r.put("java_whole_loop_cores_by_thread", whole.byThread());
    r.put("java_compute_clips_per_s", compute.clipsPerSecond());
    r.put("java_compute_epochs", compute.epochs());
    r.put("java_compute_cores_busy", compute.coresBusy());
    r.put("java_compute_cores_by_thread", compute.byThread());
    r.put("java_cached_clips_per_s", cached.clipsPerSecond());
    r.put("java_cached_epochs", cached.epochs());
    r.put("java_cached_cores_busy", cached.coresBusy());
    r.put("java_cached_cores_by_thread", cached.byThread());
    peer.forEach(
        (k, val) ->
            r.put(
                "peer_" + k,
                k.endsWith("_clips_per_s")
                    ? (Object) Double.parseDouble(val)
                    : k.endsWith("_params") ? (Object) Long.parseLong(val) : val));
    Map<String, List<Double>> ratios = roundRatios(wholes, computes, cacheds, peers);
    r.put("ratios_per_round", ratios);
    Map<String, Double> medians = new LinkedHashMap<>();
    ratios.forEach((k, list) -> medians.put(k, Stats.median(list)));
    r.put("ratios_median", medians);
    if (json) {
      System.out.println(Json.write(r));
    } else {
      System.out.print(table(s, r, whole, compute, cached, peer));
      System.out.print(roundsLine(ratios, rounds));
    }
    try (var files = Files.walk(work)) { // the runs' checkpoints and logs
      files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
  }

  /** Runs a measurement and adds the cores this process kept busy meanwhile. */
  private static Rate busy(java.util.concurrent.Callable<Rate> measurement) throws Exception {
    ThreadCpu cpu = ThreadCpu.start();
    Rate rate;
    try {
      rate = measurement.call();
    } finally {
      cpu.close();
    }
    return rate.busy(cpu);
  }

  private static String engineVersion() {
    try {
      return Engine.getEngine("PyTorch").getVersion();
    } catch (RuntimeException e) {
      return "unknown (" + e.getMessage() + ")";
    }
  }

  /** Trainable parameter shapes in order, as torch_kd.py writes them ("16x3x3x7x7,16,..."). */
  static String shapes(Network n) {
    return n.trainable().stream()
        .map(
            p ->
                java.util.Arrays.stream(p.getValue().getArray().getShape().getShape())
                    .mapToObj(Long::toString)
                    .collect(Collectors.joining("x")))
        .collect(Collectors.joining(","));
  }

  /** (a) and (c): one run of the actor pipeline with the given training-clip sampling. */
  static Rate pipeline(
      Settings base, DatasetIndex index, ClipSource source, byte[] teacherBytes, String sampling) {
    Settings s = base.with(Map.of("data.train-sampling", sampling, "run.name", "peer-" + sampling));
    DistillRun.Outcome o =
        DistillRun.run(
            new DistillRun.Inputs(
                s,
                index,
                source,
                s.model().teacher(),
                teacherBytes,
                null,
                s.run().runDir(),
                false,
                Integer.MAX_VALUE));
    List<Double> clips = new ArrayList<>();
    List<Double> seconds = new ArrayList<>();
    for (EpochRecord e : o.epochs().subList(1, o.epochs().size())) {
      clips.add((double) e.trainedSamples());
      seconds.add(e.trainSeconds());
    }
    return Rate.of(clips, seconds);
  }

  /**
   * (b): the project's training step on clips decoded once: teacher forward (eval), the student's
   * forward, loss and backward ({@link StudentReplica#backward}, as the trainer actor runs it) and
   * the SGD step, batch after batch on this thread, in a new shuffled order every epoch.
   */
  static Rate computeOnly(Settings s, DatasetIndex index, ClipSource source, byte[] teacherBytes) {
    int classes = index.classes().size();
    ClipLoader loader = new ClipLoader(source);
    List<Clip> clips = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    for (Sample smp : index.train()) {
      loader
          .load(smp, true, ClipLoader.clipSeed(s.run().seed(), 1, smp.index()))
          .ifPresent(
              clip -> {
                clips.add(clip);
                labels.add(smp.label());
              });
    }
    int epochs = s.train().epochs();
    int b = s.train().batchSize();
    int batches = (clips.size() + b - 1) / b;
    LrSchedule lr = LrSchedule.of(s.train());
    DistillSettings kd = s.distill().settings();
    List<Double> done = new ArrayList<>();
    List<Double> seconds = new ArrayList<>();
    try (NDManager root = NDManager.newBaseManager();
        Network teacher =
            Network.create(s.model().teacher(), classes, false, s.model().compile(), root, 1)) {
      teacher.loadParameterBytes(teacherBytes);
      int dim = teacher.classifier().featureDim();
      try (StudentReplica student =
          new StudentReplica(
              Network.create(s.model().student(), classes, true, s.model().compile(), root, 2),
              Distillers.create(s.distill().method(), kd),
              s.sakd().supervisor(),
              dim,
              s.train().momentum(),
              s.train().weightDecay(),
              s.train().nesterov())) {
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < clips.size(); i++) {
          order.add(i);
        }
        for (int epoch = 0; epoch < epochs; epoch++) {
          student.onEpochStart(epoch, epochs);
          Collections.shuffle(order, new Random(s.run().seed() * 31 + epoch));
          long t0 = System.nanoTime();
          for (int i = 0; i < batches; i++) {
            List<Clip> batch = new ArrayList<>();
            int[] y = new int[Math.min(b, clips.size() - i * b)];
            for (int j = 0; j < y.length; j++) {
              int k = order.get(i * b + j);
              batch.add(clips.get(k));
              y[j] = labels.get(k);
            }
            float[] tl;
            float[] tf;
            try (NDManager scope = teacher.manager().newSubManager()) {
              NDList out = teacher.forward(Batches.stack(scope, batch), false);
              tl = out.get(0).toFloatArray();
              tf = out.get(1).toFloatArray();
            }
            student.backward(batch, y, new StudentReplica.TeacherRows(tl, classes, tf, dim), null);
            student.applyStep(lr.lr(epoch + (double) i / batches));
          }
          double secs = (System.nanoTime() - t0) / 1e9;
          System.err.printf(
              Locale.ROOT,
              "peer: Java compute step epoch %d/%d: %.1f clips/s%n",
              epoch + 1,
              epochs,
              clips.size() / secs);
          if (epoch > 0) {
            done.add((double) clips.size());
            seconds.add(secs);
          }
        }
      }
    }
    return Rate.of(done, seconds);
  }

  /**
   * Runs the PyTorch program on the same training list and settings; returns its key=value lines
   * ({@code missing} when it could not run).
   */
  static Map<String, String> runPeer(
      String python,
      String script,
      Settings s,
      DatasetIndex index,
      int classes,
      int epochs,
      Path work)
      throws Exception {
    Path list = work.resolve("train.tsv");
    StringBuilder lines = new StringBuilder();
    for (Sample smp : index.train()) {
      lines.append(smp.path().toAbsolutePath()).append('\t').append(smp.label()).append('\n');
    }
    Files.writeString(list, lines);
    Settings.Clip c = s.data().clip();
    Settings.Train t = s.train();
    DistillSettings kd = s.distill().settings();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                python,
                script,
                "--samples",
                list.toString(),
                "--classes",
                Integer.toString(classes),
                "--teacher",
                s.model().teacher(),
                "--student",
                s.model().student(),
                "--frames",
                Integer.toString(c.frames()),
                "--stride",
                Integer.toString(c.stride()),
                "--short-side",
                Integer.toString(c.shortSide()),
                "--crop",
                Integer.toString(c.crop()),
                "--mean"));
    for (float m : c.mean()) {
      cmd.add(Float.toString(m));
    }
    cmd.add("--std");
    for (float d : c.std()) {
      cmd.add(Float.toString(d));
    }
    cmd.addAll(
        List.of(
            "--batch",
            Integer.toString(t.batchSize()),
            "--lr",
            Double.toString(t.lr()),
            "--momentum",
            Double.toString(t.momentum()),
            "--weight-decay",
            Double.toString(t.weightDecay()),
            "--lr-schedule",
            t.lrSchedule(),
            "--warmup-epochs",
            Integer.toString(t.warmupEpochs()),
            "--step-gamma",
            Double.toString(t.stepGamma()),
            "--temperature",
            Double.toString(kd.temperature()),
            "--ce-weight",
            Double.toString(kd.ceWeight()),
            "--kd-weight",
            Double.toString(kd.kdWeight()),
            "--workers",
            Integer.toString(s.data().decoders()),
            "--epochs",
            Integer.toString(epochs),
            "--seed",
            Long.toString(s.run().seed())));
    cmd.add("--step-epochs");
    for (int e : t.stepEpochs()) {
      cmd.add(Integer.toString(e));
    }
    if (t.nesterov()) {
      cmd.add("--nesterov");
    }
    System.err.println("peer: " + String.join(" ", cmd));
    Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
    Map<String, String> out = new LinkedHashMap<>();
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          out.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
    }
    int rc = p.waitFor();
    if (rc != 0 && !out.containsKey("missing")) {
      out.put("missing", python + " " + script + " exited with status " + rc);
    }
    return out;
  }

  /**
   * The PyTorch program's rounds as one: the mean of each clips/s figure, every epoch's rate, the
   * other lines (versions, shapes) from the first round; {@code missing} when any round could not
   * run.
   */
  static Map<String, String> poolPeer(List<Map<String, String>> rounds) {
    for (Map<String, String> p : rounds) {
      if (p.containsKey("missing")) {
        return p;
      }
    }
    Map<String, String> out = new LinkedHashMap<>(rounds.get(0));
    for (String key : rounds.get(0).keySet()) {
      if (key.endsWith("_clips_per_s")) {
        double mean = 0;
        for (Map<String, String> p : rounds) {
          mean += number(p, key) / rounds.size();
        }
        out.put(key, Double.toString(mean));
      } else if (key.endsWith("_epochs")) {
        out.put(
            key,
            rounds.stream()
                .map(p -> p.getOrDefault(key, ""))
                .filter(v -> !v.isEmpty())
                .collect(Collectors.joining(",")));
      }
    }
    return out;
  }

  /** Each round's Java/PyTorch ratio for (a), (b) and (c); empty without the PyTorch side. */
  static Map<String, List<Double>> roundRatios(
      List<Rate> wholes, List<Rate> computes, List<Rate> cacheds, List<Map<String, String>> peers) {
    Map<String, List<Double>> out = new LinkedHashMap<>();
    if (peers.stream().anyMatch(p -> p.containsKey("missing"))) {
      return out;
    }
    List<Double> a = new ArrayList<>();
    List<Double> b = new ArrayList<>();
    List<Double> c = new ArrayList<>();
    for (int i = 0; i < peers.size(); i++) {
      double torchWhole = number(peers.get(i), "whole_loop_clips_per_s");
      a.add(wholes.get(i).clipsPerSecond() / torchWhole);
      b.add(computes.get(i).clipsPerSecond() / number(peers.get(i), "compute_clips_per_s"));
      c.add(cacheds.get(i).clipsPerSecond() / torchWhole);
    }
    out.put("whole_loop", a);
    out.put("compute", b);
    out.put("cached_vs_torch_whole_loop", c);
    return out;
  }

  /** One line per row: each interleaved round's ratio and their median (nothing for one round). */
  static String roundsLine(Map<String, List<Double>> ratios, int rounds) {
    if (rounds < 2 || ratios.isEmpty()) {
      return "";
    }
    StringBuilder b =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "Java/PyTorch in each of %d interleaved rounds (median first; the table's ratios"
                    + " are of the rounds' mean rates):%n",
                rounds));
    Map<String, String> names =
        Map.of(
            "whole_loop", "(a) whole loop",
            "compute", "(b) compute step",
            "cached_vs_torch_whole_loop", "(c) default run vs PyTorch's (a)");
    ratios.forEach(
        (k, v) ->
            b.append(
                String.format(
                    Locale.ROOT,
                    "  %s: median %.2f; rounds %s%n",
                    names.get(k),
                    Stats.median(v),
                    Stats.twoDecimals(v))));
    return b.toString();
  }

  private static String table(
      Settings s,
      Map<String, Object> r,
      Rate whole,
      Rate compute,
      Rate cached,
      Map<String, String> peer) {
    StringBuilder b = new StringBuilder();
    Settings.Clip c = s.data().clip();
    Settings.Train t = s.train();
    DistillSettings kd = s.distill().settings();
    b.append(
        String.format(
            Locale.ROOT,
            "%s → %s, %d training clips, T %d × stride %d, short side %d, crop %d², batch %d;"
                + " vanilla KD (τ %s, ce %s, kd %s); SGD lr %s %s, momentum %s, weight decay %s,"
                + " nesterov %s; %d decode worker(s), 1 compute thread; counted epochs: %d, after"
                + " 1 warm-up epoch, in each of %d round(s)%n",
            s.model().teacher(),
            s.model().student(),
            r.get("clips"),
            c.frames(),
            c.stride(),
            c.shortSide(),
            c.crop(),
            t.batchSize(),
            kd.temperature(),
            kd.ceWeight(),
            kd.kdWeight(),
            t.lr(),
            t.lrSchedule(),
            t.momentum(),
            t.weightDecay(),
            t.nesterov(),
            s.data().decoders(),
            (int) r.get("epochs_counted"),
            (int) r.get("rounds")));
    b.append("Java:    ")
        .append(r.get("java_engine"))
        .append("; ")
        .append(r.get("java_decoder"))
        .append('\n');
    boolean ran = !peer.containsKey("missing");
    if (peer.containsKey("torch_version")) {
      b.append("PyTorch: torch ")
          .append(peer.get("torch_version"))
          .append(" (")
          .append(peer.get("torch_path"))
          .append(", Python ")
          .append(peer.getOrDefault("python", "?"))
          .append(")");
      if (peer.containsKey("decoder")) {
        b.append("; ").append(peer.get("decoder"));
      }
      b.append('\n');
    }
    if (!ran) {
      b.append("PyTorch side not measured: ").append(peer.get("missing")).append('\n');
    }
    for (String role : List.of("teacher", "student")) {
      String jp = String.valueOf(r.get("java_" + role + "_params"));
      b.append(String.format(Locale.ROOT, "parameters, %s: Java %s", role, jp));
      if (peer.containsKey(role + "_params")) {
        boolean same = peer.get(role + "_shapes").equals(r.get("java_" + role + "_shapes"));
        b.append(", PyTorch ")
            .append(peer.get(role + "_params"))
            .append(
                same
                    ? " (equal; every parameter's shape equal, in order)"
                    : " (DIFFERENT parameter shapes: "
                        + r.get("java_" + role + "_shapes")
                        + " vs "
                        + peer.get(role + "_shapes")
                        + ")");
      }
      b.append('\n');
    }
    b.append("\n| row | Java clips/s (epochs) | PyTorch clips/s (epochs) | Java/PyTorch |\n");
    b.append("|---|---|---|---|\n");
    double torchWhole = ran ? number(peer, "whole_loop_clips_per_s") : Double.NaN;
    double torchCompute = ran ? number(peer, "compute_clips_per_s") : Double.NaN;
    row(
        b,
        "(a) whole loop, new random clips decoded every epoch",
        whole,
        torchWhole,
        ran ? epochs(peer, "whole_loop_epochs") : "",
        "");
    row(
        b,
        "(b) compute step alone, clips decoded beforehand",
        compute,
        torchCompute,
        ran ? epochs(peer, "compute_epochs") : "",
        "");
    row(
        b,
        "(c) default run with caches (fixed sampling: teacher outputs and decoded clips cached)",
        cached,
        torchWhole,
        "",
        "no cache: its (a) ");
    b.append(
        String.format(
            Locale.ROOT,
            "Java process, cores busy over each whole measurement (warm-up epoch, validation, (b)'s"
                + " decoding included):"
                + " (a) %.2f, (b) %.2f, (c) %.2f%n",
            whole.coresBusy(),
            compute.coresBusy(),
            cached.coresBusy()));
    b.append("cores busy by thread group: (a) ")
        .append(byThread(whole))
        .append("; (b) ")
        .append(byThread(compute))
        .append("; (c) ")
        .append(byThread(cached))
        .append('\n');
    return b.toString();
  }

  static String byThread(Rate r) {
    return r.byThread().entrySet().stream()
        .map(e -> String.format(Locale.ROOT, "%s %.2f", e.getKey(), e.getValue()))
        .collect(Collectors.joining(", "));
  }

  private static void row(
      StringBuilder b, String name, Rate java, double torch, String torchEpochs, String note) {
    b.append(
        String.format(
            Locale.ROOT,
            "| %s | %.1f (%s) | %s | %s |%n",
            name,
            java.clipsPerSecond(),
            java.range(),
            Double.isNaN(torch)
                ? "—"
                : String.format(Locale.ROOT, "%s%.1f%s", note, torch, torchEpochs),
            Double.isNaN(torch)
                ? "—"
                : String.format(Locale.ROOT, "%.2f", java.clipsPerSecond() / torch)));
  }

  private static double number(Map<String, String> peer, String key) {
    String v = peer.get(key);
    return v == null ? Double.NaN : Double.parseDouble(v);
  }

  private static String epochs(Map<String, String> peer, String key) {
    String v = peer.get(key);
    if (v == null || v.isEmpty()) {
      return "";
    }
    double lo = Double.MAX_VALUE;
    double hi = -Double.MAX_VALUE;
    for (String x : v.split(",")) {
      double d = Double.parseDouble(x);
      lo = Math.min(lo, d);
      hi = Math.max(hi, d);
    }
    return String.format(Locale.ROOT, " (%.1f–%.1f)", lo, hi);
  }
}

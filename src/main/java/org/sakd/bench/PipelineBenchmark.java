package org.sakd.bench;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.sakd.config.Settings;
import org.sakd.data.Clip;
import org.sakd.data.ClipSource;
import org.sakd.data.ClipSources;
import org.sakd.data.ClipSpec;
import org.sakd.data.DatasetIndex;
import org.sakd.data.Datasets;
import org.sakd.data.Sample;
import org.sakd.data.SyntheticActions;
import org.sakd.data.SyntheticSpec;
import org.sakd.distill.Distillers;
import org.sakd.distill.Supervisor;
import org.sakd.monitor.Json;
import org.sakd.pipeline.DistillRun;
import org.sakd.train.Batches;
import org.sakd.train.ClipLoader;
import org.sakd.train.EpochRecord;
import org.sakd.train.Network;
import org.sakd.train.StudentReplica;

/**
 * Training throughput of the actor pipeline against a plain sequential DJL loop doing the same work
 * on the same data and models: decode → teacher forward → student forward → backward → SGD step,
 * one batch after another. The pipeline overlaps decoding with compute. Both use vanilla KD with
 * per-epoch random clip sampling (no teacher cache), so every clip costs one decode and one teacher
 * forward in both. Usage: [--json] [--epochs N] [--rounds R] (epochs default 4, the first epoch of
 * each run a warm-up and not counted; rounds default 3: the plain loop and the pipeline take turns
 * R times, so that a machine whose speed drifts over minutes slows both alike, and each round's
 * ratio is printed with their median).
 */
public final class PipelineBenchmark {
  private PipelineBenchmark() {}

  public static void main(String[] args) throws Exception {
    boolean json = List.of(args).contains("--json");
    int epochs = 4;
    int rounds = 3;
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals("--epochs")) {
        epochs = Integer.parseInt(args[i + 1]);
      } else if (args[i].equals("--rounds")) {
        rounds = Integer.parseInt(args[i + 1]);
      }
    }
    if (epochs < 2 || rounds < 1) {
      throw new IllegalArgumentException("--epochs must be >= 2 and --rounds >= 1");
    }
    Path work = Files.createTempDirectory("sakd-bench-pipeline");
    List<String> settings =
        new java.util.ArrayList<>(
            List.of(
                "run.dir=\"" + work.resolve("runs") + "\"",
                "run.name=bench",
                "data.root=\"" + work.resolve("data") + "\"",
                "distill.mode=vanilla",
                "data.train-sampling=random",
                "train.epochs=" + epochs,
                "train.warmup-epochs=0"));
    for (String a : args) {
      if (a.contains("=")) {
        settings.add(a); // any setting, e.g. data.decoders=1
      }
    }
    Settings s = Settings.load(null, settings);
    s.applyComputeThreads();
    Settings.Synthetic y = s.data().synthetic();
    SyntheticActions.generate(
        s.data().root(),
        new SyntheticSpec(
            y.classes(),
            y.groups(),
            y.clipsPerGroup(),
            y.frames(),
            y.width(),
            y.height(),
            y.fps(),
            1,
            y.container(),
            y.testGroups()));
    DatasetIndex index = Datasets.open("synthetic", s.data().root(), s.data().options());
    Settings.Clip c = s.data().clip();
    ClipSource source =
        ClipSources.forIndex(
            index,
            new ClipSpec(c.frames(), c.stride(), c.shortSide(), c.crop(), c.mean(), c.std()));
    int classes = index.classes().size();
    byte[] teacherBytes;
    try (NDManager m = NDManager.newBaseManager();
        Network t =
            Network.create(s.model().teacher(), classes, false, s.model().compile(), m, 1)) {
      teacherBytes = t.parameterBytes();
    }

    double teacherRate = trainingRate(s.model().teacher(), index, source, s.train().batchSize());
    double studentRate = trainingRate(s.model().student(), index, source, s.train().batchSize());
    // the first epoch of each run warms the JIT and the allocator; the others count
    List<Double> plains = new ArrayList<>();
    List<Double> pipelines = new ArrayList<>();
    List<Double> ratios = new ArrayList<>();
    ThreadCpu plainCpu = null;
    ThreadCpu pipelineCpu = null;
    DistillRun.Outcome o = null;
    for (int round = 1; round <= rounds; round++) {
      double plainSum = 0;
      plainCpu = ThreadCpu.start();
      for (int e = 0; e < epochs; e++) {
        double rate = plainLoop(s, index, source, teacherBytes, e);
        if (e > 0) {
          plainSum += 1 / rate;
        }
      }
      plainCpu.close();
      plains.add((epochs - 1) / plainSum);
      pipelineCpu = ThreadCpu.start();
      Settings sr = s.with(Map.of("run.name", "bench-" + round));
      o =
          DistillRun.run(
              new DistillRun.Inputs(
                  sr,
                  index,
                  source,
                  sr.model().teacher(),
                  teacherBytes,
                  null,
                  sr.run().runDir(),
                  false,
                  Integer.MAX_VALUE));
      pipelineCpu.close();
      double clips = 0;
      double seconds = 0;
      for (EpochRecord e : o.epochs().subList(1, o.epochs().size())) {
        clips += e.trainedSamples();
        seconds += e.trainSeconds();
      }
      pipelines.add(clips / seconds);
      ratios.add(pipelines.get(round - 1) / plains.get(round - 1));
      System.err.printf(
          Locale.ROOT,
          "pipeline bench: round %d of %d: plain %.1f clips/s, pipeline %.1f clips/s, ratio %.2f%n",
          round,
          rounds,
          plains.get(round - 1),
          pipelines.get(round - 1),
          ratios.get(round - 1));
    }
    double plain = Stats.mean(plains);
    double pipeline = Stats.mean(pipelines);
    double median = Stats.median(ratios);
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("clips", index.train().size());
    r.put("teacher", s.model().teacher());
    r.put("student", s.model().student());
    r.put("batch", s.train().batchSize());
    r.put("decoders", s.data().decoders());
    r.put("teacher_train_clips_per_s", teacherRate);
    r.put("student_train_clips_per_s", studentRate);
    r.put("plain_clips_per_s", plain);
    r.put("pipeline_clips_per_s", pipeline);
    r.put("rounds", rounds);
    r.put("ratios_per_round", ratios);
    r.put("ratio", median);
    r.put("plain_cores_busy", plainCpu.cores());
    r.put("pipeline_cores_busy", pipelineCpu.cores());
    r.put("plain_cores_by_thread", plainCpu.coresByGroup());
    r.put("pipeline_cores_by_thread", pipelineCpu.coresByGroup());
    r.put("peak_decoded_in_flight", o.peakDecodedInFlight());
    r.put("bound", o.decodeBound());
    if (json) {
      System.out.println(Json.write(r));
    } else {
      System.out.printf(
          Locale.ROOT,
          "cross-entropy training on decoded clips: teacher %s %.1f clips/s, student %s %.1f "
              + "clips/s%n",
          s.model().teacher(),
          teacherRate,
          s.model().student(),
          studentRate);
      System.out.printf(
          Locale.ROOT,
          "plain loop %.1f clips/s, actor pipeline %.1f clips/s (means of %d interleaved rounds):"
              + " ratio %.2f, the median of the rounds' %s (peak %d decoded clips in flight, bound"
              + " %d); cores busy in the last round: plain %.2f, pipeline %.2f%n",
          plain,
          pipeline,
          rounds,
          median,
          Stats.twoDecimals(ratios),
          o.peakDecodedInFlight(),
          o.decodeBound(),
          plainCpu.cores(),
          pipelineCpu.cores());
      System.out.printf(
          "cores busy by thread group: plain %s; pipeline %s%n",
          plainCpu.line(), pipelineCpu.line());
    }
  }

  /**
   * Cross-entropy SGD steps on already decoded clips (model compute only): clips per second over 10
   * steps.
   */
  static double trainingRate(String model, DatasetIndex index, ClipSource source, int batch) {
    List<Clip> clips = new ArrayList<>();
    int[] labels = new int[batch];
    for (int i = 0; i < batch; i++) {
      Sample smp = index.train().get(i);
      clips.add(source.load(smp, true, i));
      labels[i] = smp.label();
    }
    try (NDManager root = NDManager.newBaseManager();
        Network net = Network.create(model, index.classes().size(), root, 1);
        org.sakd.train.SgdOptimizer opt =
            new org.sakd.train.SgdOptimizer(net.trainable(), 0.9, 5e-4, false, root)) {
      long t0 = 0;
      for (int step = 0; step < 12; step++) {
        if (step == 2) {
          t0 = System.nanoTime();
        }
        org.sakd.train.PlainLoop.step(net, opt, clips, labels, 0.01);
      }
      return 10.0 * batch / ((System.nanoTime() - t0) / 1e9);
    }
  }

  /** CPU time of the whole process (all threads). */
  static long cpuNanos() {
    var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : 0;
  }

  /** One epoch of the sequential loop; returns clips per second. */
  static double plainLoop(
      Settings s, DatasetIndex index, ClipSource source, byte[] teacherBytes, int epoch) {
    int classes = index.classes().size();
    ClipLoader loader = new ClipLoader(source);
    try (NDManager root = NDManager.newBaseManager();
        Network teacher =
            Network.create(s.model().teacher(), classes, false, s.model().compile(), root, 1)) {
      teacher.loadParameterBytes(teacherBytes);
      StudentReplica student =
          new StudentReplica(
              Network.create(s.model().student(), classes, true, s.model().compile(), root, 2),
              Distillers.create(s.distill().method(), null),
              Supervisor.GT_AND_TEACHER,
              teacher.classifier().featureDim(),
              0.9,
              5e-4,
              false);
      List<Sample> order = index.train();
      int b = s.train().batchSize();
      long t0 = System.nanoTime();
      int done = 0;
      for (int i = 0; i < order.size(); i += b) {
        List<Clip> clips = new ArrayList<>();
        List<Sample> ok = new ArrayList<>();
        for (Sample smp : order.subList(i, Math.min(order.size(), i + b))) {
          Optional<Clip> clip =
              loader.load(smp, true, ClipLoader.clipSeed(s.run().seed(), epoch + 1, smp.index()));
          if (clip.isPresent()) {
            clips.add(clip.get());
            ok.add(smp);
          }
        }
        float[] tl;
        float[] tf;
        try (NDManager scope = teacher.manager().newSubManager()) {
          NDList out = teacher.forward(Batches.stack(scope, clips), false);
          tl = out.get(0).toFloatArray();
          tf = out.get(1).toFloatArray();
        }
        student.backward(
            clips,
            ok.stream().mapToInt(Sample::label).toArray(),
            new StudentReplica.TeacherRows(tl, classes, tf, teacher.classifier().featureDim()),
            null);
        student.applyStep(0.01);
        done += clips.size();
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      student.close();
      return done / secs;
    }
  }
}

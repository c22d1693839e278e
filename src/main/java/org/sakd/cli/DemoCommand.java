package org.sakd.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sakd.checkpoint.CheckpointStore;
import org.sakd.checkpoint.RunFolder;
import org.sakd.config.Settings;
import org.sakd.data.ClipSource;
import org.sakd.data.ClipSources;
import org.sakd.data.DatasetIndex;
import org.sakd.monitor.Plots;
import org.sakd.monitor.RunLog;
import org.sakd.monitor.Summary;
import org.sakd.monitor.SummaryRow;
import org.sakd.pipeline.SupervisedRun;
import org.sakd.proto.CheckpointProto;
import org.sakd.train.EpochRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The README's main job on the embedded synthetic set. Mirrors the paper's protocol: the student
 * starts from a "pre-trained backbone" (cross-entropy on a separate generated set, drawn with
 * another seed, with demo.pretrain-classes of the motion classes, so the target's head starts
 * fresh), the teacher is trained on the target set; then Student alone, vanilla KD, SAKD "Ours" (I
 * = 1), SAKD "Ours*" (I = 5) and the two random controls at SAKD's budget each train for the same
 * epochs from the same start, on the same pipeline and caches; a last control trains vanilla KD for
 * only demo.same-time-epochs (about Ours*'s total time). One table compares them. Each phase
 * announces itself in one line. Teacher and pre-trained student are cached.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description =
        "Generate the synthetic videos if absent, train (or reuse) the teacher and the pre-trained student, "
            + "then run student alone, vanilla KD, SAKD (I=1), SAKD (I=5), the two random-subset controls and "
            + "vanilla KD for Ours*'s time; print the table.")
final class DemoCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(DemoCommand.class);

  @Mixin SettingsOptions options;

  @Override
  public Integer call() {
    Settings base = options.load("run.name=demo");
    // the demo's folder keeps its cached teacher and pre-trained student; each row's own folder is
    // replaced
    try (RunFolder f =
        RunFolder.acquire(
            base.run().runDir(), RunFolder.Mode.REUSE, "run.name", base.run().name())) {
      return demo(base);
    }
  }

  private Integer demo(Settings given) {
    Settings.Demo d = given.demo();
    // the target set's sizes in the demo (demo.groups, demo.test-groups)
    Settings base =
        d.groups() > 0 && given.data().format().equals("synthetic")
            ? given.with(
                Map.of(
                    "data.synthetic.groups",
                    d.groups(),
                    "data.synthetic.test-groups",
                    d.testGroups()))
            : given;
    Path demoDir = base.run().runDir();
    long t0 = System.nanoTime();
    DatasetIndex index = DataSetup.open(base);
    ClipSource source = ClipSources.forIndex(index, DataSetup.clipSpec(base));
    List<SummaryRow> rows = new ArrayList<>();
    Map<String, List<EpochRecord>> curves = new LinkedHashMap<>();

    // Teacher: cross-entropy on the target set (cached).
    Settings ts =
        base.with(
            Map.of(
                "run.dir",
                demoDir.toString(),
                "run.name",
                "teacher",
                "train.model",
                "teacher",
                "train.epochs",
                d.teacherEpochs(),
                "train.lr",
                d.scratchLr(),
                "train.warmup-epochs",
                1));
    phase(
        "teacher: "
            + ts.model().teacher()
            + ", cross-entropy, "
            + d.teacherEpochs()
            + " epochs on the target set");
    Path teacherCkpt =
        cached(
            ts,
            () ->
                SupervisedRun.run(
                    ts, index, source, ts.model().teacher(), null, ts.run().runDir(), false, true));
    // best: the checkpoint the students learn from; last: the end of training (and its time)
    CheckpointProto teacherLast =
        Jobs.checkpoint(
            "model.teacher-checkpoint",
            teacherCkpt.resolveSibling(CheckpointStore.LAST).toString());
    rows.add(
        new SummaryRow(
            "Teacher",
            "teacher",
            "-",
            0,
            1.0,
            teacherLast.getBestTop1(),
            lastTop1(teacherLast),
            lastTop5(teacherLast),
            secondsPerEpoch(teacherLast),
            totalSeconds(teacherLast),
            1.0));

    // Pre-trained student backbone: cross-entropy on a separate generated set (another seed),
    // cached.
    String init = "";
    if (d.pretrainEpochs() > 0) {
      Path preRoot = Path.of(base.data().root().toString() + "-pretrain");
      int preClasses =
          d.pretrainClasses() > 0 ? d.pretrainClasses() : base.data().synthetic().classes();
      Settings ps =
          base.with(
              Map.ofEntries(
                  Map.entry("run.dir", demoDir.toString()),
                  Map.entry("run.name", "student-pretrain"),
                  Map.entry("train.model", "student"),
                  Map.entry("train.epochs", d.pretrainEpochs()),
                  Map.entry("data.root", preRoot.toString() + "-" + preClasses + "c"),
                  Map.entry("run.seed", base.run().seed() + 1000),
                  Map.entry("train.lr", d.scratchLr()),
                  Map.entry("train.warmup-epochs", 1),
                  Map.entry("data.synthetic.classes", preClasses),
                  // the pre-training set keeps data.synthetic's own sizes (demo.groups is the
                  // target's)
                  Map.entry("data.synthetic.groups", given.data().synthetic().groups()),
                  Map.entry("data.synthetic.test-groups", given.data().synthetic().testGroups())));
      phase(
          "pre-trained student: "
              + ps.model().student()
              + ", "
              + d.pretrainEpochs()
              + " epochs on "
              + preClasses
              + " classes of a separate set (other seed)");
      Path preCkpt =
          cached(
              ps,
              () -> {
                DatasetIndex pre = DataSetup.open(ps);
                return SupervisedRun.run(
                    ps,
                    pre,
                    ClipSources.forIndex(pre, DataSetup.clipSpec(ps)),
                    ps.model().student(),
                    null,
                    ps.run().runDir(),
                    false,
                    true);
              });
      init = preCkpt.toString();
    }

    // Student alone from the same start.
    phase("student alone: cross-entropy, " + d.epochs() + " epochs from the pre-trained backbone");
    Settings ss =
        base.with(
            Map.of(
                "run.dir",
                demoDir.toString(),
                "run.name",
                "student",
                "train.model",
                "student",
                "train.epochs",
                d.epochs(),
                "model.student-init",
                init));
    byte[] initBytes =
        init.isEmpty()
            ? null
            : Jobs.checkpoint("model.student-init", init).getParameters().toByteArray();
    SupervisedRun.Result alone;
    try (RunFolder f =
        RunFolder.acquire(ss.run().runDir(), RunFolder.Mode.OVERWRITE, "run.name", "student")) {
      // the same clips as the distilled rows (data.train-sampling), not the augmented sampling of
      // the teacher's and the pre-training's runs: only the loss differs between the student rows
      alone =
          SupervisedRun.run(
              ss, index, source, ss.model().student(), initBytes, ss.run().runDir(), false, false);
    }
    rows.add(
        new SummaryRow(
            "Student alone",
            "student",
            "-",
            0,
            1.0,
            alone.bestTop1(),
            alone.top1(),
            alone.top5(),
            alone.secondsPerEpoch(),
            alone.totalSeconds(),
            1.0));

    // The two controls (METHOD.md §5), both at SAKD's budget: a random subset under SAKD's own loss
    // and α isolates the selection, so it keeps Ours*'s schedule (a new subset and α every
    // demo.star-interval epochs) and differs from it in the selector alone; a random subset under
    // plain KD isolates the whole method and is re-drawn every epoch (it costs no scoring).
    // A third control, for the time claim: vanilla KD for about as many epochs as Ours* takes
    // time in all (demo.same-time-epochs; 0 = none), with its own schedule over those epochs.
    record Variant(
        String label, String name, String mode, int interval, String selector, int epochs) {}
    String selector = base.sakd().selector().configName();
    String vanilla = "Vanilla " + base.distill().method().toUpperCase();
    List<Variant> variants = new ArrayList<>();
    variants.add(new Variant(vanilla, "vanilla", "vanilla", 1, selector, d.epochs()));
    variants.add(new Variant("SAKD Ours (I=1)", "sakd-i1", "sakd", 1, selector, d.epochs()));
    variants.add(
        new Variant(
            "SAKD Ours* (I=" + d.starInterval() + ")",
            "sakd-i" + d.starInterval(),
            "sakd",
            d.starInterval(),
            selector,
            d.epochs()));
    variants.add(
        new Variant(
            "Random subset, SAKD loss",
            "random-sakd",
            "sakd",
            d.starInterval(),
            "random",
            d.epochs()));
    variants.add(
        new Variant("Random subset, plain KD", "random", "random", 1, selector, d.epochs()));
    if (d.sameTimeEpochs() > 0) {
      variants.add(
          new Variant(
              vanilla
                  + ", "
                  + d.sameTimeEpochs()
                  + (d.sameTimeEpochs() == 1 ? " epoch" : " epochs")
                  + " (Ours*'s time)",
              "vanilla-same-time",
              "vanilla",
              1,
              selector,
              d.sameTimeEpochs()));
    }
    for (Variant v : variants) {
      phase(v.label() + (v.epochs() == d.epochs() ? ": " + v.epochs() + " epochs" : ""));
      Settings vs =
          base.with(
              Map.of(
                  "run.dir",
                  demoDir.toString(),
                  "run.name",
                  v.name(),
                  "distill.mode",
                  v.mode(),
                  "sakd.interval",
                  v.interval(),
                  "train.epochs",
                  v.epochs(),
                  "model.teacher-checkpoint",
                  teacherCkpt.toString(),
                  "model.student-init",
                  init,
                  "sakd.selector",
                  v.selector()));
      Map.Entry<SummaryRow, List<EpochRecord>> r;
      try (RunFolder f =
          RunFolder.acquire(vs.run().runDir(), RunFolder.Mode.OVERWRITE, "run.name", v.name())) {
        r = Jobs.distill(vs, index, source, v.label(), false);
      }
      rows.add(r.getKey());
      curves.put(v.name(), r.getValue());
    }
    // the teacher and the student alone as reference lines on the Top-1 plot (best Top-1 each)
    Jobs.plotCurves(
        demoDir.resolve("plots"),
        curves,
        rows.stream()
            .filter(r -> r.mode().equals("teacher") || r.mode().equals("student"))
            .map(r -> new Plots.Reference(r.label() + " (best)", r.bestTop1()))
            .toList());
    RunLog log = new RunLog(demoDir);
    log.write("summary.json", Summary.json(rows));
    log.write("summary.md", Summary.markdown("SAKD demo (synthetic actions)", rows));
    System.out.println();
    System.out.print(Summary.table(rows));
    System.out.printf(
        java.util.Locale.ROOT,
        "demo finished in %.0f s; results in %s%n",
        (System.nanoTime() - t0) / 1e9,
        demoDir.toAbsolutePath());
    return 0;
  }

  private static void phase(String what) {
    System.out.println("== demo: " + what);
  }

  private interface Training {
    SupervisedRun.Result run();
  }

  /**
   * Reuses runs/demo/<name>/checkpoints/best.ckpt when it was made with the same settings; trains
   * otherwise.
   */
  private static Path cached(Settings s, Training training) {
    Path dir = s.run().runDir();
    Path key = dir.resolve("cache-key.conf");
    Path best = dir.resolve("checkpoints").resolve(CheckpointStore.BEST);
    String want = s.render();
    try {
      if (Files.isRegularFile(best)
          && Files.isRegularFile(key)
          && Files.readString(key).equals(want)) {
        LOG.info("reusing {} (same settings)", best);
        return best;
      }
      try (RunFolder f =
          RunFolder.acquire(dir, RunFolder.Mode.OVERWRITE, "run.name", s.run().name())) {
        training.run();
        Files.writeString(key, want);
      }
      return best;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static double lastTop1(CheckpointProto c) {
    return c.getHistory(c.getHistoryCount() - 1).getTop1();
  }

  private static double lastTop5(CheckpointProto c) {
    return c.getHistory(c.getHistoryCount() - 1).getTop5();
  }

  private static double secondsPerEpoch(CheckpointProto c) {
    return totalSeconds(c) / Math.max(1, c.getHistoryCount());
  }

  private static double totalSeconds(CheckpointProto c) {
    return c.getHistoryList().stream().mapToDouble(h -> h.getSeconds()).sum();
  }
}

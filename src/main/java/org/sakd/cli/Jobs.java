package org.sakd.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.sakd.checkpoint.CheckpointStore;
import org.sakd.config.Settings;
import org.sakd.config.SettingsException;
import org.sakd.data.ClipSource;
import org.sakd.data.DatasetIndex;
import org.sakd.model.TorchScriptNet;
import org.sakd.monitor.Plots;
import org.sakd.monitor.SummaryRow;
import org.sakd.pipeline.DistillRun;
import org.sakd.proto.CheckpointProto;
import org.sakd.train.EpochRecord;

/**
 * The pieces the distill and demo commands share: loading checkpoints, running one distillation,
 * plotting it.
 */
final class Jobs {
  private Jobs() {}

  static CheckpointProto checkpoint(String key, String file) {
    Path p = Path.of(file);
    if (!Files.isRegularFile(p)) {
      throw new SettingsException(
          key, file, "an existing checkpoint file (train it first with `sakd train-teacher`)");
    }
    try {
      return CheckpointStore.read(p);
    } catch (org.sakd.checkpoint.CorruptCheckpointException e) {
      throw new SettingsException(key, file, "a checkpoint that verifies (" + e.getMessage() + ")");
    }
  }

  /** The teacher's checkpoint named by model.teacher-checkpoint, checked against model.teacher. */
  static CheckpointProto teacherCheckpoint(Settings s) {
    String model = s.model().teacher();
    if (TorchScriptNet.isTorchScript(model) && s.model().teacherCheckpoint().isBlank()) {
      // a TorchScript teacher brings its weights; null: no checkpoint
      if (!Files.isRegularFile(TorchScriptNet.file(model))) {
        throw new SettingsException("model.teacher", model, "torchscript:<an existing file.pt>");
      }
      return null;
    }
    if (s.model().teacherCheckpoint().isBlank()) {
      throw new SettingsException(
          "model.teacher-checkpoint",
          "\"\"",
          "the teacher's checkpoint file (e.g. runs/teacher/checkpoints/best.ckpt from `sakd train-teacher`)");
    }
    CheckpointProto teacher = checkpoint("model.teacher-checkpoint", s.model().teacherCheckpoint());
    if (!teacher.getModel().equals(s.model().teacher())) {
      throw new SettingsException(
          "model.teacher",
          s.model().teacher(),
          "the model of the teacher checkpoint (" + teacher.getModel() + ")");
    }
    return teacher;
  }

  /** The settings that define what a distillation computes: a resumed run must keep them. */
  static final List<String> DISTILL_KEYS =
      List.of(
          "data.format",
          "data.root",
          "model.teacher",
          "model.student",
          "distill.mode",
          "distill.method",
          "sakd.selector",
          "sakd.direction",
          "sakd.alpha-form",
          "sakd.ratio",
          "sakd.interval",
          "sakd.overlap-scoring",
          "sakd.gamma",
          "sakd.anneal-epochs",
          "train.epochs",
          "run.seed");

  /**
   * The same for supervised training; train.epochs may change there (`--resume` with more epochs
   * extends a run).
   */
  static final List<String> TRAIN_KEYS =
      List.of(
          "data.format", "data.root", "train.model", "model.teacher", "model.student", "run.seed");

  /**
   * Before a resume: the last checkpoint must verify, hold {@code model}, and have been made with
   * the same values of {@code keys}; otherwise exit 2 with the differences.
   */
  static void checkResume(Settings s, DatasetIndex index, String model, List<String> keys) {
    Path last = s.run().runDir().resolve("checkpoints").resolve(CheckpointStore.LAST);
    CheckpointProto c = CheckpointStore.read(last);
    // the selections, α and the sample order refer to samples by index: the lists must not change
    if (!c.getDataIndex().isEmpty() && !c.getDataIndex().equals(index.fingerprint())) {
      throw new SettingsException(
          "--resume",
          s.run().runDir(),
          "the data the run was started with; the lists under "
              + s.data().root()
              + " changed since (now "
              + index.classes().size()
              + " classes, "
              + index.train().size()
              + " training and "
              + index.test().size()
              + " test clips; data index "
              + index.fingerprint().substring(0, 12)
              + "… ≠ "
              + c.getDataIndex().substring(0, Math.min(12, c.getDataIndex().length()))
              + "…)");
    }
    if (!c.getModel().equals(model)) {
      throw new SettingsException(
          "--resume",
          s.run().runDir(),
          "a run of " + model + " (" + last + " holds " + c.getModel() + ")");
    }
    List<String> checked = new java.util.ArrayList<>(keys);
    if (keys.contains("distill.method")) {
      // the chosen method's own hyper-parameters (τ, weights, extras) must match too, where the
      // checkpoint's version recorded them
      com.typesafe.config.Config then =
          com.typesafe.config.ConfigFactory.parseString(c.getConfig());
      String block = "distill." + s.distill().method();
      for (String k : s.raw().getConfig(block).root().keySet()) {
        if (then.hasPath(block + "." + k)) {
          checked.add(block + "." + k);
        }
      }
    }
    List<String> diff = s.differences(c.getConfig(), checked);
    if (!diff.isEmpty()) {
      throw new SettingsException(
          "--resume",
          s.run().runDir(),
          "the settings the run was started with; these "
              + "differ (then → now): "
              + String.join("; ", diff));
    }
  }

  /**
   * The run-folder mode of a command's --resume / --overwrite flags (both at once is a bad command
   * line).
   */
  static org.sakd.checkpoint.RunFolder.Mode mode(boolean resume, boolean overwrite) {
    if (resume && overwrite) {
      throw new SettingsException(
          "--resume/--overwrite", "both", "one of them: continue the run, or replace it");
    }
    return resume
        ? org.sakd.checkpoint.RunFolder.Mode.RESUME
        : overwrite
            ? org.sakd.checkpoint.RunFolder.Mode.OVERWRITE
            : org.sakd.checkpoint.RunFolder.Mode.FRESH;
  }

  /**
   * The parameters of model.student-init (checked to be a checkpoint of model.student), or null
   * when unset.
   */
  static byte[] studentInit(Settings s) {
    if (s.model().studentInit().isBlank()) {
      return null;
    }
    CheckpointProto st = checkpoint("model.student-init", s.model().studentInit());
    if (!st.getModel().equals(s.model().student())) {
      throw new SettingsException(
          "model.student-init",
          s.model().studentInit(),
          "a checkpoint of model.student = "
              + s.model().student()
              + " (it holds "
              + st.getModel()
              + ")");
    }
    return st.getParameters().toByteArray();
  }

  /** Runs one distillation with the actor pipeline; returns its table row and the epoch records. */
  static Map.Entry<SummaryRow, List<EpochRecord>> distill(
      Settings s, DatasetIndex index, ClipSource source, String label, boolean resume) {
    CheckpointProto teacher = teacherCheckpoint(s);
    if (teacher != null
        && teacher.getClassesCount() > 0
        && !teacher.getClassesList().equals(index.classes())) {
      throw new SettingsException(
          "model.teacher-checkpoint",
          s.model().teacherCheckpoint(),
          org.sakd.checkpoint.Checkpoints.classMismatch(teacher, -1, index.classes()));
    }
    byte[] init = studentInit(s);
    Path runDir = s.run().runDir();
    DistillRun.Outcome o =
        DistillRun.run(
            new DistillRun.Inputs(
                s,
                index,
                source,
                teacher == null ? s.model().teacher() : teacher.getModel(),
                teacher == null ? null : teacher.getParameters().toByteArray(),
                init,
                runDir,
                resume,
                Integer.MAX_VALUE));
    List<EpochRecord> epochs = o.epochs();
    plotCurves(
        runDir.resolve("plots"),
        Map.of(s.distill().mode().configName(), epochs),
        teacher == null || teacher.getHistoryCount() == 0
            ? List.of()
            : List.of(new Plots.Reference("teacher (best)", bestTop1(teacher))));
    plotSelectedPerClass(runDir, index.classes());
    double sec = epochs.stream().mapToDouble(EpochRecord::epochSeconds).average().orElse(0);
    double total = epochs.stream().mapToDouble(e -> e.epochSeconds() + e.validateSeconds()).sum();
    double frac =
        epochs.stream().mapToDouble(e -> e.trainedSamples()).average().orElse(0)
            / index.train().size();
    EpochRecord last = epochs.get(epochs.size() - 1);
    String mode = s.distill().mode().configName();
    SummaryRow row =
        new SummaryRow(
            label,
            mode,
            s.distill().method(),
            mode.equals("vanilla") ? 0 : s.sakd().interval(),
            mode.equals("vanilla") ? 1.0 : s.sakd().ratio(),
            epochs.stream().mapToDouble(EpochRecord::top1).max().orElse(0),
            last.top1(),
            last.top5(),
            sec,
            total,
            frac);
    return Map.entry(row, epochs);
  }

  /**
   * Selected samples per class at the first, middle and last selection epoch (from
   * selection/epoch-NNN.csv).
   */
  static void plotSelectedPerClass(Path runDir, List<String> classes) {
    Path sel = runDir.resolve("selection");
    if (!java.nio.file.Files.isDirectory(sel)) {
      return;
    }
    List<Path> files;
    try (var st = java.nio.file.Files.list(sel)) {
      files =
          st.filter(f -> f.getFileName().toString().matches("epoch-\\d+\\.csv")).sorted().toList();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    if (files.isEmpty()) {
      return;
    }
    java.util.LinkedHashSet<Path> pick =
        new java.util.LinkedHashSet<>(
            List.of(files.get(0), files.get(files.size() / 2), files.get(files.size() - 1)));
    Map<String, double[]> series = new java.util.LinkedHashMap<>();
    for (Path f : pick) {
      double[] counts = new double[classes.size()];
      try {
        List<String> lines = java.nio.file.Files.readAllLines(f);
        for (String line : lines.subList(1, lines.size())) {
          List<String> c = org.sakd.monitor.Csv.parse(line);
          if (c.size() >= 6 && c.get(5).trim().equals("1")) {
            counts[Integer.parseInt(c.get(2).trim())]++;
          }
        }
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      String name = f.getFileName().toString().replace(".csv", "");
      series.put(name, counts);
    }
    Plots.bars(
        runDir.resolve("plots").resolve("selected-per-class.png"),
        "Selected samples per class",
        "class",
        "selected",
        classes,
        series);
  }

  /**
   * The points of the paper's appendix Fig. 2 (mean α of the selected samples, KD on UCF101, 50
   * epochs) as METHOD.md §4 states them: 0.405 at epoch 1, ≈ 0.47 soon after (epoch 3), still below
   * 0.5 at epoch 35, ≈ 0.57 at epoch 46; the paper's epochs are scaled to this run's length.
   */
  static Plots.Series paperAlpha(double runEpochs) {
    double[] paperEpoch = {1, 3, 35, 46};
    double[] x = new double[paperEpoch.length];
    for (int i = 0; i < x.length; i++) {
      x[i] = 1 + (paperEpoch[i] - 1) * Math.max(0, runEpochs - 1) / 49.0;
    }
    return new Plots.Series(
        "paper Fig. 2 (KD, UCF101), epochs scaled", x, new double[] {0.405, 0.47, 0.50, 0.57});
  }

  /** The best Top-1 in a checkpoint's history. */
  static double bestTop1(CheckpointProto c) {
    return c.getHistoryList().stream().mapToDouble(h -> h.getTop1()).max().orElse(Double.NaN);
  }

  /**
   * Top-1, loss and mean-α curves of several runs in one folder; {@code references} (the teacher,
   * the student alone) are drawn as dashed lines on the Top-1 plot.
   */
  static void plotCurves(
      Path dir, Map<String, List<EpochRecord>> byMode, List<Plots.Reference> references) {
    List<Plots.Series> acc = new ArrayList<>();
    List<Plots.Series> loss = new ArrayList<>();
    List<Plots.Series> alpha = new ArrayList<>();
    for (var e : byMode.entrySet()) {
      List<EpochRecord> r = e.getValue();
      double[] x = r.stream().mapToDouble(q -> q.epoch() + 1).toArray();
      acc.add(new Plots.Series(e.getKey(), x, r.stream().mapToDouble(EpochRecord::top1).toArray()));
      loss.add(
          new Plots.Series(
              e.getKey(), x, r.stream().mapToDouble(EpochRecord::trainLoss).toArray()));
      List<EpochRecord> sel =
          r.stream().filter(q -> q.selectionEpoch() && !Double.isNaN(q.meanAlpha())).toList();
      if (!sel.isEmpty()) {
        alpha.add(
            new Plots.Series(
                e.getKey(),
                sel.stream().mapToDouble(q -> q.epoch() + 1).toArray(),
                sel.stream().mapToDouble(EpochRecord::meanAlpha).toArray()));
      }
    }
    Plots.lines(
        dir.resolve("accuracy.png"),
        "Top-1 on the test split",
        "epoch",
        "Top-1 (%)",
        acc,
        references);
    Plots.lines(dir.resolve("loss.png"), "Training loss", "epoch", "loss", loss);
    if (!alpha.isEmpty()) {
      double epochs = byMode.values().stream().mapToDouble(r -> r.size()).max().orElse(50);
      alpha.add(paperAlpha(epochs));
      Plots.lines(
          dir.resolve("alpha.png"),
          "Mean alpha of the selected samples",
          "epoch",
          "mean alpha",
          alpha);
    }
  }
}

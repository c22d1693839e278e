package org.sakd.cli;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.sakd.checkpoint.CheckpointStore;
import org.sakd.config.Settings;
import org.sakd.data.ClipSources;
import org.sakd.data.DatasetIndex;
import org.sakd.monitor.Csv;
import org.sakd.monitor.Json;
import org.sakd.monitor.Plots;
import org.sakd.proto.CheckpointProto;
import org.sakd.train.ClipLoader;
import org.sakd.train.Confusion;
import org.sakd.train.Evaluation;
import org.sakd.train.Network;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "evaluate",
    mixinStandardHelpOptions = true,
    description =
        "Top-1 / Top-5 of a checkpoint on the test split: the centre clip, or eval.views evenly spaced "
            + "temporal views averaged.")
final class EvaluateCommand implements Callable<Integer> {
  @Mixin SettingsOptions options;

  @Option(
      names = "--checkpoint",
      description = "checkpoint file (default runs/<name>/checkpoints/best.ckpt)")
  Path checkpoint;

  @Option(names = "--json", description = "print {\"top1\": …, \"top5\": …, \"samples\": N}")
  boolean json;

  @Option(
      names = "--out",
      description =
          "folder for per-class.csv, per-class.png, confusion.csv and confusion.png (default: the"
              + " run folder's evaluation/ for a checkpoint in a checkpoints/ folder, else"
              + " <checkpoint>.evaluation/ beside it); its four files are replaced")
  Path out;

  @Override
  public Integer call() {
    Settings s = options.load();
    Path file =
        checkpoint != null
            ? checkpoint
            : s.run().runDir().resolve("checkpoints").resolve(CheckpointStore.BEST);
    CheckpointProto c =
        new CheckpointStore(file.toAbsolutePath().getParent())
            .load(file.getFileName().toString())
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "no checkpoint at " + file + " (train first, or pass --checkpoint)"));
    DatasetIndex index = DataSetup.open(s);
    org.sakd.data.ClipSource source = ClipSources.forIndex(index, DataSetup.clipSpec(s));
    ClipLoader loader = new ClipLoader(source);
    ExecutorService pool = Executors.newFixedThreadPool(s.data().decoders());
    try (NDManager root =
            NDManager.newBaseManager(org.sakd.train.Devices.primary(s, "evaluation"));
        Network net =
            Network.create(
                c.getModel(),
                index.classes().size(),
                org.sakd.pipeline.DistillRun.clipShape(source, index),
                false,
                root,
                s.run().seed())) {
      net.loadParameterBytes(c.getParameters().toByteArray());
      String bad =
          org.sakd.checkpoint.Checkpoints.classMismatch(
              c, net.classifier().numClasses(), index.classes());
      if (bad != null) {
        // another class list gives a number that means nothing: refuse it (exit 2)
        throw new org.sakd.config.SettingsException("--checkpoint", file, bad);
      }
      Evaluation.Result r =
          Evaluation.run(
              net, index.test(), loader, pool, s.eval().batchSize(), 2, s.eval().views());
      Path folder = out != null ? out : defaultOut(file.toAbsolutePath());
      writeClassReport(folder, index.classes(), r.confusion());
      if (json) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("top1", r.top1());
        o.put("top5", r.top5());
        o.put("samples", r.samples());
        o.put("views", s.eval().views());
        o.put("skipped", loader.failures().size());
        o.put("per_class", folder.resolve("per-class.csv").toString());
        System.out.println(Json.write(o));
      } else {
        System.out.printf(
            Locale.ROOT,
            "%s (%s): top1 %.2f  top5 %.2f on %d test clips (%d skipped)%n",
            c.getModel(),
            file,
            r.top1(),
            r.top5(),
            r.samples(),
            loader.failures().size());
        System.out.println("per-class Top-1 and the confusion matrix: " + folder);
      }
      return 0;
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * runs/<name>/evaluation for runs/<name>/checkpoints/x.ckpt, else x.ckpt.evaluation beside it.
   */
  static Path defaultOut(Path checkpointFile) {
    Path dir = checkpointFile.getParent();
    if (dir != null
        && dir.getFileName().toString().equals("checkpoints")
        && dir.getParent() != null) {
      return dir.getParent().resolve("evaluation");
    }
    return checkpointFile.resolveSibling(checkpointFile.getFileName() + ".evaluation");
  }

  /**
   * per-class.csv (class, clips, Top-1, unpredicted, the class most often predicted instead and how
   * often), confusion.csv (counts, true class per row), and both as plots.
   */
  static void writeClassReport(Path folder, List<String> classes, Confusion c) {
    StringBuilder perClass =
        new StringBuilder(
            Csv.row(
                List.of("class", "clips", "top1", "unpredicted", "most_confused_with", "times")));
    double[] top1 = new double[classes.size()];
    for (int k = 0; k < classes.size(); k++) {
      int worst = c.mostConfusedWith(k);
      top1[k] = c.accuracy(k);
      perClass.append(
          Csv.row(
              List.of(
                  classes.get(k),
                  c.samples(k),
                  Double.isNaN(top1[k]) ? "" : String.format(Locale.ROOT, "%.2f", top1[k]),
                  c.unpredicted(k),
                  worst < 0 ? "" : classes.get(worst),
                  worst < 0 ? 0 : c.count(k, worst))));
    }
    List<Object> header = new java.util.ArrayList<>();
    header.add("true \\ predicted");
    header.addAll(classes);
    StringBuilder matrix = new StringBuilder(Csv.row(header));
    for (int t = 0; t < classes.size(); t++) {
      List<Object> row = new java.util.ArrayList<>();
      row.add(classes.get(t));
      for (int p = 0; p < classes.size(); p++) {
        row.add(c.count(t, p));
      }
      matrix.append(Csv.row(row));
    }
    try {
      java.nio.file.Files.createDirectories(folder);
      java.nio.file.Files.writeString(folder.resolve("per-class.csv"), perClass);
      java.nio.file.Files.writeString(folder.resolve("confusion.csv"), matrix);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("cannot write the evaluation to " + folder, e);
    }
    double[] shown = top1.clone();
    for (int k = 0; k < shown.length; k++) {
      shown[k] = Double.isNaN(shown[k]) ? 0 : shown[k];
    }
    Plots.bars(
        folder.resolve("per-class.png"),
        "Top-1 per class",
        "class",
        "Top-1 (%)",
        classes,
        Map.of("Top-1", shown));
    Plots.confusion(
        folder.resolve("confusion.png"),
        "Confusion matrix (fraction of each true class)",
        classes,
        c.rowFractions());
  }
}

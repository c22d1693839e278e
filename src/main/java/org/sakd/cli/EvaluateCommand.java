package org.sakd.cli;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.sakd.checkpoint.CheckpointStore;
import org.sakd.config.Settings;
import org.sakd.data.ClipSources;
import org.sakd.data.DatasetIndex;
import org.sakd.monitor.Json;
import org.sakd.proto.CheckpointProto;
import org.sakd.train.ClipLoader;
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
      if (json) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("top1", r.top1());
        o.put("top5", r.top5());
        o.put("samples", r.samples());
        o.put("views", s.eval().views());
        o.put("skipped", loader.failures().size());
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
      }
      return 0;
    } finally {
      pool.shutdownNow();
    }
  }
}

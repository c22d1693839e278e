package org.sakd.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sakd.config.Settings;
import org.sakd.deploy.ClipModel;
import org.sakd.deploy.DjlClipModel;
import org.sakd.deploy.OnnxClipModel;
import org.sakd.deploy.VideoPrediction;
import org.sakd.monitor.Json;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(
    name = "predict",
    mixinStandardHelpOptions = true,
    description =
        "The top-5 classes of video files (or folders of them) with a checkpoint (DJL) or an"
            + " exported ONNX model (ONNX Runtime): evaluate's test-time clips (eval.views evenly"
            + " spaced views, softmax-averaged; the centre clip by default); undecodable files are"
            + " named and skipped; clips/s at the end.")
final class PredictCommand implements Callable<Integer> {
  @Mixin SettingsOptions options;

  static final class Source {
    @Option(names = "--checkpoint", description = "a checkpoint (.ckpt), run by DJL/PyTorch")
    Path checkpoint;

    @Option(names = "--onnx", description = "a model written by `sakd export --format onnx`")
    Path onnx;
  }

  @ArgGroup(exclusive = true, multiplicity = "1")
  Source source;

  @Parameters(arity = "1..*", paramLabel = "VIDEO", description = "video files or folders")
  List<Path> inputs = new ArrayList<>();

  @Option(names = "--json", description = "one JSON document instead of a line per file")
  boolean json;

  @Override
  public Integer call() {
    Settings s = options.load();
    List<Path> files = VideoPrediction.expand(inputs);
    if (files.isEmpty()) {
      throw new IllegalArgumentException("no video files in " + inputs);
    }
    try (ClipModel model =
        source.onnx != null
            ? OnnxClipModel.open(source.onnx, s.computeThreads())
            : DjlClipModel.open(
                source.checkpoint, org.sakd.train.Devices.primary(s, "prediction"))) {
      List<Map<String, Object>> results = new ArrayList<>();
      List<Map<String, Object>> skipped = new ArrayList<>();
      VideoPrediction.Totals t =
          VideoPrediction.run(
              model,
              files,
              s.eval().views(),
              s.eval().batchSize(),
              s.data().decoders(),
              5,
              r -> {
                if (json) {
                  Map<String, Object> o = new LinkedHashMap<>();
                  o.put("file", r.file().toString());
                  List<Map<String, Object>> top = new ArrayList<>();
                  for (VideoPrediction.Ranked c : r.top()) {
                    Map<String, Object> e = new LinkedHashMap<>();
                    e.put("class", c.label());
                    e.put("probability", c.probability());
                    top.add(e);
                  }
                  o.put("top", top);
                  results.add(o);
                } else {
                  StringBuilder line = new StringBuilder(r.file().toString()).append(':');
                  for (VideoPrediction.Ranked c : r.top()) {
                    line.append(
                        String.format(Locale.ROOT, "  %s %.4f", c.label(), c.probability()));
                  }
                  System.out.println(line);
                }
              },
              f -> {
                if (json) {
                  Map<String, Object> o = new LinkedHashMap<>();
                  o.put("file", f.file().toString());
                  o.put("reason", f.reason());
                  skipped.add(o);
                } else {
                  System.err.println("skipped " + f.file() + ": " + f.reason());
                }
              });
      if (json) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("model", model.card().model());
        o.put("runtime", model.runtime());
        o.put("views", s.eval().views());
        o.put("predictions", results);
        o.put("skipped", skipped);
        o.put("clips", t.clips());
        o.put("seconds", t.seconds());
        o.put("clips_per_second", t.clipsPerSecond());
        o.put("model_clips_per_second", t.modelClipsPerSecond());
        System.out.println(Json.write(o));
      } else {
        System.out.printf(
            Locale.ROOT,
            "%s on %s: %d file%s predicted (%d clip%s, %d view%s each) in %.2f s: %.1f clips/s"
                + " end to end, %.1f clips/s in the model; %d skipped%n",
            model.card().model(),
            model.runtime(),
            t.predicted(),
            t.predicted() == 1 ? "" : "s",
            t.clips(),
            t.clips() == 1 ? "" : "s",
            s.eval().views(),
            s.eval().views() == 1 ? "" : "s",
            t.seconds(),
            t.clipsPerSecond(),
            t.modelClipsPerSecond(),
            t.skipped());
      }
      if (t.predicted() == 0) {
        System.err.println("error: no file could be predicted (" + files.size() + " given)");
        return Main.EXIT_RUN_FAILED;
      }
      return 0;
    }
  }
}

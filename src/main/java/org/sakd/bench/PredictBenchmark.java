package org.sakd.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.sakd.data.Clip;
import org.sakd.data.VideoDecoder;
import org.sakd.deploy.ClipModel;
import org.sakd.deploy.DjlClipModel;
import org.sakd.deploy.ModelExport;
import org.sakd.deploy.OnnxClipModel;
import org.sakd.deploy.VideoPrediction;

/**
 * {@code sakd predict}'s speed with a checkpoint in DJL/PyTorch against the same network exported
 * to ONNX and run by ONNX Runtime, on the same videos and the same number of compute threads:
 *
 * <ul>
 *   <li>model: clips/s of the forward alone, on clips decoded once beforehand, in batches of {@code
 *       --batch} (passes alternate between the runtimes; median and range reported);
 *   <li>predict: clips/s of {@link VideoPrediction#run} end to end (decode, batch, forward,
 *       softmax), as the command runs it.
 * </ul>
 *
 * <pre>
 * PredictBenchmark --checkpoint F --videos DIR [--json] [--batch N] [--passes N] [--decoders N]
 *                  [--threads N]
 * </pre>
 *
 * Both runtimes get {@code --threads} intra-op threads (default 1; PyTorch's is fixed when its
 * engine starts, so one count per run).
 */
public final class PredictBenchmark {

  public static void main(String[] args) throws Exception {
    boolean json = false;
    Path checkpoint = null;
    Path videos = null;
    int batch = 8;
    int passes = 5;
    int decoders = 1;
    int threads = 1;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--json" -> json = true;
        case "--checkpoint" -> checkpoint = Path.of(value(args, ++i));
        case "--videos" -> videos = Path.of(value(args, ++i));
        case "--batch" -> batch = Integer.parseInt(value(args, ++i));
        case "--passes" -> passes = Integer.parseInt(value(args, ++i));
        case "--decoders" -> decoders = Integer.parseInt(value(args, ++i));
        case "--threads" -> threads = Integer.parseInt(value(args, ++i));
        default -> throw new IllegalArgumentException("unknown argument " + args[i] + "; " + USAGE);
      }
    }
    if (checkpoint == null || videos == null) {
      throw new IllegalArgumentException(USAGE);
    }
    // before the engine starts, which fixes PyTorch's thread count for the process
    System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
    System.setProperty("ai.djl.pytorch.num_interop_threads", "1");

    List<Path> files = VideoPrediction.expand(List.of(videos));
    Path onnx = Files.createTempFile("sakd-predict-bench", ".onnx");
    ModelExport.export(checkpoint, ModelExport.Format.ONNX, onnx, true);
    try (ClipModel djl = DjlClipModel.open(checkpoint, ai.djl.Device.cpu());
        ClipModel ort = OnnxClipModel.open(onnx, threads)) {
      VideoDecoder decoder = new VideoDecoder();
      List<Clip> clips = new ArrayList<>();
      for (Path f : files) {
        clips.add(decoder.decodeView(f, djl.card().clip(), 0, 1));
      }
      // warm-up: first calls allocate, plan and JIT
      forward(djl, clips, batch);
      forward(ort, clips, batch);
      double[] djlRates = new double[passes];
      double[] ortRates = new double[passes];
      for (int p = 0; p < passes; p++) {
        djlRates[p] = clips.size() / forward(djl, clips, batch);
        ortRates[p] = clips.size() / forward(ort, clips, batch);
      }
      VideoPrediction.Totals djlPredict = predict(djl, files, batch, decoders);
      VideoPrediction.Totals ortPredict = predict(ort, files, batch, decoders);
      double djlModel = Stats.median(djlRates);
      double ortModel = Stats.median(ortRates);
      if (json) {
        System.out.println(
            String.format(
                Locale.ROOT,
                "{\"benchmark\": \"predict\", \"model\": \"%s\", \"clip\": \"%dx%d crop %d\", \"files\": %d,"
                    + " \"threads\": %d, \"batch\": %d, \"passes\": %d,"
                    + " \"djl_model_clips_per_s\": %.1f, \"onnx_model_clips_per_s\": %.1f,"
                    + " \"djl_model_range\": [%.1f, %.1f], \"onnx_model_range\": [%.1f, %.1f],"
                    + " \"onnx_over_djl_model\": %.3f, \"djl_predict_clips_per_s\": %.1f,"
                    + " \"onnx_predict_clips_per_s\": %.1f, \"decoders\": %d}",
                djl.card().model(),
                djl.card().clip().frames(),
                djl.card().clip().stride(),
                djl.card().clip().crop(),
                files.size(),
                threads,
                batch,
                passes,
                djlModel,
                ortModel,
                min(djlRates),
                max(djlRates),
                min(ortRates),
                max(ortRates),
                ortModel / djlModel,
                djlPredict.clipsPerSecond(),
                ortPredict.clipsPerSecond(),
                decoders));
      } else {
        System.out.printf(
            Locale.ROOT,
            "%s, %d clips of %dx%d crop %d, %d compute thread%s, batch %d, %d passes%n",
            djl.card().model(),
            files.size(),
            djl.card().clip().frames(),
            djl.card().clip().stride(),
            djl.card().clip().crop(),
            threads,
            threads == 1 ? "" : "s",
            batch,
            passes);
        System.out.printf(
            Locale.ROOT,
            "model forward  DJL/PyTorch %.1f clips/s (%.1f–%.1f)   ONNX Runtime %.1f clips/s"
                + " (%.1f–%.1f)   ONNX/DJL %.2f×%n",
            djlModel,
            min(djlRates),
            max(djlRates),
            ortModel,
            min(ortRates),
            max(ortRates),
            ortModel / djlModel);
        System.out.printf(
            Locale.ROOT,
            "predict (decode with %d decoder%s + forward)  DJL/PyTorch %.1f clips/s   ONNX Runtime"
                + " %.1f clips/s%n",
            decoders,
            decoders == 1 ? "" : "s",
            djlPredict.clipsPerSecond(),
            ortPredict.clipsPerSecond());
      }
    } finally {
      Files.deleteIfExists(onnx);
    }
  }

  private static final String USAGE =
      "usage: --checkpoint F --videos DIR [--json] [--batch N] [--passes N] [--decoders N]"
          + " [--threads N]";

  /** Seconds to run every clip through the model once, {@code batch} at a time. */
  private static double forward(ClipModel model, List<Clip> clips, int batch) {
    long t0 = System.nanoTime();
    for (int i = 0; i < clips.size(); i += batch) {
      model.logits(clips.subList(i, Math.min(clips.size(), i + batch)));
    }
    return (System.nanoTime() - t0) / 1e9;
  }

  private static VideoPrediction.Totals predict(
      ClipModel model, List<Path> files, int batch, int decoders) {
    return VideoPrediction.run(model, files, 1, batch, decoders, 5, r -> {}, f -> {});
  }

  private static double min(double[] v) {
    return Arrays.stream(v).min().orElse(Double.NaN);
  }

  private static double max(double[] v) {
    return Arrays.stream(v).max().orElse(Double.NaN);
  }

  private static String value(String[] args, int i) {
    if (i >= args.length) {
      throw new IllegalArgumentException(args[i - 1] + " needs a value; " + USAGE);
    }
    return args[i];
  }
}

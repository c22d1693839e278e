package org.sakd.deploy;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.sakd.data.Clip;
import org.sakd.data.VideoDecodeException;
import org.sakd.data.VideoDecoder;

/**
 * Classifies video files with a {@link ClipModel} the way {@code evaluate} scores the test split:
 * {@code views} evenly spaced temporal windows per file ({@link VideoDecoder#decodeView}; one view
 * is the centre clip), centre crop, the model card's clip spec, softmax averaged over the views.
 * Files are decoded on a thread pool a few batches ahead of the model; a file that cannot be
 * decoded is reported with its reason and skipped.
 */
public final class VideoPrediction {

  /**
   * File name endings a folder is searched for (a file named on the command line is always tried).
   */
  public static final Set<String> VIDEO_EXTENSIONS =
      Set.of(
          "mp4", "avi", "webm", "mkv", "mov", "m4v", "mpg", "mpeg", "ogv", "flv", "wmv", "3gp",
          "ts");

  /** One class and its probability. */
  public record Ranked(String label, double probability) {}

  /** The top classes of one file, most probable first. */
  public record Result(Path file, List<Ranked> top) {}

  /** A file that was skipped, and why. */
  public record Failure(Path file, String reason) {}

  /**
   * The run's totals: clips forwarded, wall seconds from the first decode to the last result, and
   * the seconds spent in the model alone.
   */
  public record Totals(
      int predicted, int skipped, long clips, double seconds, double modelSeconds) {
    public double clipsPerSecond() {
      return seconds > 0 ? clips / seconds : Double.NaN;
    }

    public double modelClipsPerSecond() {
      return modelSeconds > 0 ? clips / modelSeconds : Double.NaN;
    }
  }

  private VideoPrediction() {}

  /**
   * The files {@code paths} name: a file as it is, a folder's video files (by extension,
   * recursively, sorted); a path that does not exist is kept, so it is reported as missing.
   */
  public static List<Path> expand(List<Path> paths) {
    List<Path> out = new ArrayList<>();
    for (Path p : paths) {
      if (Files.isDirectory(p)) {
        try (Stream<Path> walk = Files.walk(p)) {
          walk.filter(Files::isRegularFile)
              .filter(VideoPrediction::isVideoName)
              .sorted(Comparator.comparing(Path::toString))
              .forEach(out::add);
        } catch (IOException e) {
          throw new UncheckedIOException("cannot list " + p, e);
        }
      } else {
        out.add(p);
      }
    }
    return out;
  }

  static boolean isVideoName(Path p) {
    String name = p.getFileName().toString();
    int dot = name.lastIndexOf('.');
    return dot > 0 && VIDEO_EXTENSIONS.contains(name.substring(dot + 1).toLowerCase(Locale.ROOT));
  }

  /**
   * Predicts every file of {@code files} in order, handing each result or failure to the consumers
   * as it is known.
   *
   * @param views temporal views per file (eval.views)
   * @param batchSize clips per model call (eval.batch-size)
   * @param decoders decoder threads (data.decoders)
   * @param top classes per result (5, or fewer when the model has fewer)
   */
  public static Totals run(
      ClipModel model,
      List<Path> files,
      int views,
      int batchSize,
      int decoders,
      int top,
      Consumer<Result> onResult,
      Consumer<Failure> onFailure) {
    if (views < 1 || batchSize < 1 || decoders < 1 || top < 1) {
      throw new IllegalArgumentException(
          "views, batch size, decoders and top must be ≥ 1, got "
              + views
              + ", "
              + batchSize
              + ", "
              + decoders
              + ", "
              + top);
    }
    VideoDecoder decoder = new VideoDecoder();
    ModelCard card = model.card();
    ExecutorService pool = Executors.newFixedThreadPool(decoders);
    long start = System.nanoTime();
    long modelNanos = 0;
    long clips = 0;
    int predicted = 0;
    int skipped = 0;
    try {
      // each task decodes all views of one file; files ahead of the model are bounded by
      // ~2 batches
      int ahead = Math.max(decoders, 2 * Math.max(1, batchSize / views));
      ArrayDeque<Future<Decoded>> inFlight = new ArrayDeque<>();
      int next = 0;
      List<Decoded> batch = new ArrayList<>();
      int batchClips = 0;
      while (next < files.size() || !inFlight.isEmpty() || !batch.isEmpty()) {
        while (inFlight.size() < ahead && next < files.size()) {
          Path file = files.get(next++);
          inFlight.add(pool.submit(() -> decode(decoder, file, card, views)));
        }
        Decoded d = inFlight.isEmpty() ? null : await(inFlight.poll());
        if (d != null && d.failure() != null) {
          skipped++;
          onFailure.accept(d.failure());
        } else if (d != null) {
          batch.add(d);
          batchClips += d.clips().size();
        }
        boolean last = next >= files.size() && inFlight.isEmpty();
        if (!batch.isEmpty() && (batchClips >= batchSize || last)) {
          List<Clip> all = new ArrayList<>(batchClips);
          batch.forEach(b -> all.addAll(b.clips()));
          long t0 = System.nanoTime();
          float[] logits = model.logits(all);
          modelNanos += System.nanoTime() - t0;
          clips += all.size();
          int k = card.classes().size();
          if (logits.length != all.size() * k) {
            throw new IllegalStateException(
                "the model returned "
                    + logits.length
                    + " logits for "
                    + all.size()
                    + " clips of "
                    + k
                    + " classes");
          }
          int row = 0;
          for (Decoded b : batch) {
            double[] mean = new double[k];
            for (int v = 0; v < b.clips().size(); v++, row++) {
              double[] p = softmax(logits, row, k);
              for (int c = 0; c < k; c++) {
                mean[c] += p[c] / b.clips().size();
              }
            }
            predicted++;
            onResult.accept(new Result(b.file(), ranked(mean, card.classes(), top)));
          }
          batch.clear();
          batchClips = 0;
        }
      }
    } finally {
      pool.shutdownNow();
    }
    return new Totals(
        predicted, skipped, clips, (System.nanoTime() - start) / 1e9, modelNanos / 1e9);
  }

  private record Decoded(Path file, List<Clip> clips, Failure failure) {}

  private static Decoded decode(VideoDecoder decoder, Path file, ModelCard card, int views) {
    List<Clip> clips = new ArrayList<>(views);
    try {
      for (int v = 0; v < views; v++) {
        clips.add(decoder.decodeView(file, card.clip(), v, views));
      }
      return new Decoded(file, clips, null);
    } catch (VideoDecodeException e) {
      // the message is "REASON: path (detail)"; the path is already the failure's own
      String why = e.getMessage().replace(": " + e.path(), "");
      return new Decoded(file, null, new Failure(file, why));
    } catch (RuntimeException | OutOfMemoryError e) {
      // a crafted header can make a decoder ask for absurd memory: that file only is skipped
      return new Decoded(file, null, new Failure(file, "ERROR: " + e));
    }
  }

  private static Decoded await(Future<Decoded> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while decoding", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("decoder failed: " + e.getCause(), e.getCause());
    }
  }

  /** Softmax of row {@code row} of row-major logits with {@code k} columns (max-shifted). */
  static double[] softmax(float[] logits, int row, int k) {
    double max = Double.NEGATIVE_INFINITY;
    for (int c = 0; c < k; c++) {
      max = Math.max(max, logits[row * k + c]);
    }
    double[] p = new double[k];
    double z = 0;
    for (int c = 0; c < k; c++) {
      p[c] = Math.exp(logits[row * k + c] - max);
      z += p[c];
    }
    for (int c = 0; c < k; c++) {
      p[c] /= z;
    }
    return p;
  }

  /** The {@code top} most probable classes, ties broken by label order. */
  static List<Ranked> ranked(double[] probabilities, List<String> classes, int top) {
    Integer[] order = new Integer[probabilities.length];
    Arrays.setAll(order, i -> i);
    Arrays.sort(order, (a, b) -> Double.compare(probabilities[b], probabilities[a]));
    List<Ranked> out = new ArrayList<>();
    for (int i = 0; i < Math.min(top, order.length); i++) {
      out.add(new Ranked(classes.get(order[i]), probabilities[order[i]]));
    }
    return out;
  }
}

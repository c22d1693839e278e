package org.sakd.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.sakd.data.SyntheticActions;
import org.sakd.data.SyntheticSpec;
import org.sakd.data.VideoDecoder;

/**
 * How fast the project's decoder ({@link VideoDecoder}: FFmpeg's libraries through JavaCPP) turns
 * video into float tensors, against the ffmpeg command doing the same decode + scale to 112x112 RGB
 * on one thread. Goal: the decoder per core >= 0.8 x ffmpeg per thread.
 *
 * <pre>
 * DecodeBenchmark [--json] [--dir FOLDER_OF_VIDEOS] [--clips N] [--frames N] [--passes N] [--ffmpeg PATH]
 * </pre>
 *
 * Without --dir it generates N 320x240 MPEG-4 AVI clips (synthetic actions) in a temp folder.
 * ffmpeg pays its process start per file (~tens of ms), which is part of what a command-line
 * pipeline costs.
 */
public final class DecodeBenchmark {
  private static final int SIZE = 112;

  public static void main(String[] args) throws Exception {
    boolean json = false;
    Path dir = null;
    int clips = 4, frames = 150, passes = 2;
    String ffmpeg = "/usr/bin/ffmpeg";
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--json" -> json = true;
        case "--dir" -> dir = Path.of(value(args, ++i, "--dir"));
        case "--clips" -> clips = Integer.parseInt(value(args, ++i, "--clips"));
        case "--frames" -> frames = Integer.parseInt(value(args, ++i, "--frames"));
        case "--passes" -> passes = Integer.parseInt(value(args, ++i, "--passes"));
        case "--ffmpeg" -> ffmpeg = value(args, ++i, "--ffmpeg");
        default ->
            throw new IllegalArgumentException(
                "unknown argument "
                    + args[i]
                    + "; usage: [--json] [--dir FOLDER] [--clips N] [--frames N] [--passes N] [--ffmpeg PATH]");
      }
    }
    List<Path> files = dir != null ? videosIn(dir) : generate(clips, frames);
    if (files.isEmpty())
      throw new IllegalArgumentException("no .avi/.mp4/.webm/.mkv files in " + dir);
    int cores = Runtime.getRuntime().availableProcessors();
    VideoDecoder decoder = new VideoDecoder(1, false);

    for (Path f : files) decode(decoder, f); // JIT warm-up, page cache
    double oneThread = decoderOneThread(decoder, files, passes);
    double allCores = decoderAllCores(decoder, files, passes, cores);
    if (!Files.isExecutable(Path.of(ffmpeg)))
      throw new IllegalStateException(ffmpeg + " not found; pass --ffmpeg PATH");
    double[] ff = ffmpegOneThread(ffmpeg, files, passes);
    double ffmpegOneThread = ff[0], ffmpegStartup = ff[1], ffmpegDecodeOnly = ff[2];
    double ratio = oneThread / ffmpegOneThread;
    double perCoreRatio = allCores / cores / ffmpegOneThread;
    double perCoreRatioDecodeOnly = allCores / cores / ffmpegDecodeOnly;

    if (json) {
      System.out.println(
          String.format(
              Locale.ROOT,
              "{\"benchmark\": \"decode\", \"files\": %d, \"size\": %d, \"cores\": %d, \"decoder_1thread_fps\": %.1f, "
                  + "\"decoder_all_cores_fps\": %.1f, \"ffmpeg_1thread_fps\": %.1f, \"ratio_1thread\": %.3f, "
                  + "\"ratio_per_core\": %.3f, \"ffmpeg_startup_s\": %.4f, \"ffmpeg_1thread_fps_without_startup\": %.1f, "
                  + "\"ratio_per_core_without_ffmpeg_startup\": %.3f, \"frames_per_file\": %.1f, \"goal\": 0.8}",
              files.size(),
              SIZE,
              cores,
              oneThread,
              allCores,
              ffmpegOneThread,
              ratio,
              perCoreRatio,
              ffmpegStartup,
              ffmpegDecodeOnly,
              perCoreRatioDecodeOnly,
              ff[3]));
    } else {
      System.out.printf(
          Locale.ROOT,
          "decode to %dx%d float tensors, %d files, %d cores%n",
          SIZE,
          SIZE,
          files.size(),
          cores);
      System.out.printf(Locale.ROOT, "  decoder, 1 thread    : %8.1f frames/s%n", oneThread);
      System.out.printf(
          Locale.ROOT,
          "  decoder, %2d threads   : %8.1f frames/s (%.1f per core)%n",
          cores,
          allCores,
          allCores / cores);
      System.out.printf(
          Locale.ROOT,
          "  ffmpeg -threads 1    : %8.1f frames/s (%.1f frames/s without its %.0f ms start per file)%n",
          ffmpegOneThread,
          ffmpegDecodeOnly,
          ffmpegStartup * 1000);
      System.out.printf(Locale.ROOT, "  ratio 1 thread       : %.3f%n", ratio);
      System.out.printf(
          Locale.ROOT,
          "  ratio per core       : %.3f  (goal >= 0.8); %.3f against ffmpeg without its start%n",
          perCoreRatio,
          perCoreRatioDecodeOnly);
    }
  }

  private static double decoderOneThread(VideoDecoder decoder, List<Path> files, int passes) {
    long frames = 0, t0 = System.nanoTime();
    for (int p = 0; p < passes; p++) {
      for (Path f : files) frames += decode(decoder, f);
    }
    return frames / ((System.nanoTime() - t0) / 1e9);
  }

  /** Each core decodes whole files, as the pipeline's decoder actors do. */
  private static double decoderAllCores(
      VideoDecoder decoder, List<Path> files, int passes, int cores) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(cores);
    try {
      AtomicLong frames = new AtomicLong();
      List<Future<?>> done = new ArrayList<>();
      int jobs = Math.max(files.size() * passes, cores * passes);
      long t0 = System.nanoTime();
      for (int j = 0; j < jobs; j++) {
        Path f = files.get(j % files.size());
        done.add(pool.submit(() -> frames.addAndGet(decode(decoder, f))));
      }
      for (Future<?> d : done) d.get();
      return frames.get() / ((System.nanoTime() - t0) / 1e9);
    } finally {
      pool.shutdownNow();
    }
  }

  private static long decode(VideoDecoder decoder, Path f) {
    // Each frame becomes a 3x112x112 float tensor; summing one value keeps the JIT from skipping
    // the work.
    double[] sink = new double[1];
    int n = decoder.forEachFrame(f, SIZE, SIZE, (i, rgb) -> sink[0] += rgb[i % rgb.length]);
    return sink[0] >= 0 ? n : 0;
  }

  /**
   * ffmpeg frames/s over whole runs; its start-up cost per process (the median time to decode one
   * frame); frames/s with that cost removed; and the mean frames per file.
   */
  private static double[] ffmpegOneThread(String ffmpeg, List<Path> files, int passes)
      throws IOException, InterruptedException {
    long frames = 0;
    VideoDecoder counter = new VideoDecoder();
    List<Integer> counts = new ArrayList<>();
    for (Path f : files) counts.add(counter.countFrames(f).frames());
    runFfmpeg(ffmpeg, files.get(0), 0); // warm-up
    double[] startups = new double[5];
    for (int i = 0; i < startups.length; i++) {
      long s = System.nanoTime();
      runFfmpeg(ffmpeg, files.get(0), 1);
      startups[i] = (System.nanoTime() - s) / 1e9;
    }
    java.util.Arrays.sort(startups);
    double startup = startups[startups.length / 2];
    long t0 = System.nanoTime();
    for (int p = 0; p < passes; p++) {
      for (int i = 0; i < files.size(); i++) {
        runFfmpeg(ffmpeg, files.get(i), 0);
        frames += counts.get(i);
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    int runs = passes * files.size();
    double withoutStartup = frames / Math.max(1e-9, seconds - runs * startup);
    return new double[] {frames / seconds, startup, withoutStartup, frames / (double) runs};
  }

  /**
   * The reference command; {@code maxFrames} > 0 stops after that many frames (to time the
   * start-up).
   */
  private static void runFfmpeg(String ffmpeg, Path f, int maxFrames)
      throws IOException, InterruptedException {
    List<String> cmd =
        new ArrayList<>(
            List.of(
                ffmpeg,
                "-v",
                "error",
                "-nostdin",
                "-y",
                "-threads",
                "1",
                "-i",
                f.toString(),
                "-vf",
                "scale=" + SIZE + ":" + SIZE,
                "-pix_fmt",
                "rgb24"));
    if (maxFrames > 0) cmd.addAll(List.of("-frames:v", Integer.toString(maxFrames)));
    cmd.addAll(List.of("-f", "rawvideo", "/dev/null"));
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("ffmpeg did not finish on " + f);
    }
    if (p.exitValue() != 0)
      throw new IllegalStateException("ffmpeg failed on " + f + " (exit " + p.exitValue() + ")");
  }

  private static List<Path> generate(int clips, int frames) {
    int groups = Math.max(1, (clips + 1) / 2);
    Path root =
        Path.of(System.getProperty("java.io.tmpdir"), "sakd-decode-bench-" + clips + "x" + frames);
    SyntheticActions.generate(
        root, new SyntheticSpec(2, groups, 1, frames, 320, 240, 25, 1, "avi", 0));
    return videosIn(root.resolve("videos")).subList(0, clips);
  }

  private static List<Path> videosIn(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(p -> p.toString().matches("(?i).*\\.(avi|mp4|webm|mkv)$")).sorted().toList();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot list " + dir + ": " + e.getMessage(), e);
    }
  }

  private static String value(String[] args, int i, String flag) {
    if (i >= args.length) throw new IllegalArgumentException(flag + " needs a value");
    return args[i];
  }
}

package org.sakd.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bytedeco.ffmpeg.global.avcodec;
import org.bytedeco.ffmpeg.global.avutil;
import org.bytedeco.javacv.FFmpegFrameRecorder;
import org.bytedeco.javacv.Frame;

/**
 * Writes a small action-recognition dataset of real encoded videos in the UCF101 layout ({@code
 * <root>/videos/<Class>/v_<Class>_gGG_cCC.avi}, {@code <root>/ucfTrainTestlist/}).
 *
 * <p>Each class is a motion that only time reveals: its classes come in opposite pairs (left/right,
 * up/down, grow/shrink, fade in/out, clockwise/anticlockwise) whose start states are drawn from the
 * same distribution, so any single frame is equally likely under both classes of a pair. Shape
 * (square, circle, bar), colours, size, speed, start position and pixel noise vary per clip; the
 * background gradient is shared by a group, as a scene is in UCF101. Everything comes from the
 * spec's seed.
 */
public final class SyntheticActions {
  /** The motion classes, in the order classes are taken. */
  public enum Motion {
    MOVE_LEFT("MoveLeft"),
    MOVE_RIGHT("MoveRight"),
    MOVE_UP("MoveUp"),
    MOVE_DOWN("MoveDown"),
    GROW("Grow"),
    SHRINK("Shrink"),
    FADE_IN("FadeIn"),
    FADE_OUT("FadeOut"),
    ROTATE_CLOCKWISE("RotateClockwise"),
    ROTATE_ANTICLOCKWISE("RotateAnticlockwise");

    private final String className;

    Motion(String className) {
      this.className = className;
    }

    public String className() {
      return className;
    }
  }

  static final String MARKER = "spec.txt";

  private SyntheticActions() {}

  /**
   * Generates the dataset under {@code root} unless {@code root/spec.txt} already records the same
   * spec and every video is present. Returns {@code root}; load it with {@code
   * Datasets.open("synthetic", root, ...)}.
   */
  public static Path generate(Path root, SyntheticSpec spec) {
    FfmpegLogLevel.quiet();
    try {
      Path marker = root.resolve(MARKER);
      List<Job> jobs = jobs(root, spec);
      if (Files.isRegularFile(marker)
          && Files.readString(marker).strip().equals(spec.describe())
          && jobs.stream().allMatch(j -> Files.isRegularFile(j.file))) {
        return root;
      }
      Files.deleteIfExists(marker);
      for (int c = 0; c < spec.classes(); c++) {
        Files.createDirectories(root.resolve("videos").resolve(Motion.values()[c].className()));
      }
      int workers = Math.max(1, Math.min(Runtime.getRuntime().availableProcessors(), jobs.size()));
      ExecutorService pool =
          Executors.newFixedThreadPool(
              workers,
              r -> {
                Thread t = new Thread(r, "synthetic-actions");
                t.setDaemon(true);
                return t;
              });
      try {
        List<Future<?>> done = new ArrayList<>();
        for (Job j : jobs)
          done.add(
              pool.submit(
                  () -> {
                    write(j, spec);
                    return null;
                  }));
        for (Future<?> f : done) f.get();
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IllegalStateException(
            "writing a synthetic video failed: " + e.getCause().getMessage(), e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while generating videos", e);
      } finally {
        pool.shutdownNow();
      }
      writeLists(root.resolve("ucfTrainTestlist"), spec, jobs);
      Files.writeString(marker, spec.describe() + "\n", StandardCharsets.UTF_8);
      return root;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write synthetic dataset under " + root, e);
    }
  }

  private record Job(int classIndex, int group, int clip, String relative, Path file) {}

  private static List<Job> jobs(Path root, SyntheticSpec spec) {
    List<Job> jobs = new ArrayList<>();
    for (int c = 0; c < spec.classes(); c++) {
      String name = Motion.values()[c].className();
      for (int g = 1; g <= spec.groups(); g++) {
        for (int k = 1; k <= spec.clipsPerGroup(); k++) {
          String rel = String.format("%s/v_%s_g%02d_c%02d.%s", name, name, g, k, spec.container());
          jobs.add(new Job(c, g, k, rel, root.resolve("videos").resolve(rel)));
        }
      }
    }
    return jobs;
  }

  private static void writeLists(Path dir, SyntheticSpec spec, List<Job> jobs) throws IOException {
    Files.createDirectories(dir);
    StringBuilder classInd = new StringBuilder(),
        train = new StringBuilder(),
        test = new StringBuilder();
    for (int c = 0; c < spec.classes(); c++)
      classInd.append(c + 1).append(' ').append(Motion.values()[c].className()).append('\n');
    for (Job j : jobs) {
      if (j.group > spec.groups() - spec.testGroups()) test.append(j.relative).append('\n');
      else train.append(j.relative).append(' ').append(j.classIndex + 1).append('\n');
    }
    Files.writeString(dir.resolve("classInd.txt"), classInd);
    Files.writeString(dir.resolve("trainlist01.txt"), train);
    Files.writeString(dir.resolve("testlist01.txt"), test);
  }

  private static void write(Job job, SyntheticSpec spec) throws IOException {
    byte[][] frames = render(spec, Motion.values()[job.classIndex], job.group, job.clip);
    Path tmp = job.file.resolveSibling(job.file.getFileName() + ".part");
    try (FFmpegFrameRecorder rec =
        new FFmpegFrameRecorder(tmp.toFile(), spec.width(), spec.height(), 0)) {
      rec.setFormat(spec.container());
      rec.setFrameRate(spec.fps());
      rec.setPixelFormat(avutil.AV_PIX_FMT_YUV420P);
      rec.setGopSize(Math.max(1, spec.fps() / 2));
      // One encoder thread keeps the bitstream a pure function of the pixels.
      rec.setVideoOption("threads", "1");
      rec.setVideoCodec(
          spec.container().equals("avi") ? avcodec.AV_CODEC_ID_MPEG4 : avcodec.AV_CODEC_ID_H264);
      // About half a bit per pixel: clean enough that the motion survives, small enough to stay
      // realistic.
      rec.setVideoBitrate(Math.max(200_000, spec.width() * spec.height() * spec.fps() / 2));
      rec.start();
      Frame f = new Frame(spec.width(), spec.height(), Frame.DEPTH_UBYTE, 3);
      ByteBuffer buf = (ByteBuffer) f.image[0];
      int rowBytes = spec.width() * 3;
      for (byte[] rgb : frames) {
        for (int y = 0; y < spec.height(); y++)
          buf.put(y * f.imageStride, rgb, y * rowBytes, rowBytes);
        rec.record(f, avutil.AV_PIX_FMT_RGB24);
      }
      rec.stop();
    } catch (FFmpegFrameRecorder.Exception e) {
      throw new IOException("encoding " + job.file + " failed: " + e.getMessage(), e);
    }
    Files.move(tmp, job.file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** The clip's frames as packed RGB24, before encoding. */
  static byte[][] render(SyntheticSpec spec, Motion motion, int group, int clip) {
    int w = spec.width(), h = spec.height(), n = spec.frames();
    SplittableRandom scene = new SplittableRandom(mix(spec.seed(), group, -1, 0));
    int[] bgA = colour(scene, 10, 110), bgB = colour(scene, 10, 110);
    double gradAngle = scene.nextDouble(2 * Math.PI);
    SplittableRandom r = new SplittableRandom(mix(spec.seed(), group, motion.ordinal(), clip));
    int[] fg = colour(r, 150, 256);
    boolean rotating = motion == Motion.ROTATE_CLOCKWISE || motion == Motion.ROTATE_ANTICLOCKWISE;
    // A circle shows no rotation, so rotation classes draw squares or bars only.
    int shape = rotating ? (r.nextBoolean() ? 0 : 2) : r.nextInt(3);
    double minSide = Math.min(w, h);
    double size = minSide * r.nextDouble(0.12, 0.2);
    double angle0 = r.nextDouble(Math.PI);
    double cx0 = r.nextDouble(size, w - size), cy0 = r.nextDouble(size, h - size);

    // Movement: a path covering 55-90% of the free room, placed uniformly inside it. Both
    // directions of a pair
    // draw the same segment, so the positions a frame can show are spread the same for both.
    boolean horizontal = motion == Motion.MOVE_LEFT || motion == Motion.MOVE_RIGHT;
    int extent = horizontal ? w : h;
    double room = extent - 2 * size;
    double travel = room * r.nextDouble(0.55, 0.9);
    double pathStart = size + r.nextDouble(Math.max(1e-9, room - travel));

    byte[][] frames = new byte[n][w * h * 3];
    for (int t = 0; t < n; t++) {
      double p = t / (double) (n - 1);
      double cx = cx0, cy = cy0, s = size, angle = angle0, alpha = 1;
      switch (motion) {
        case MOVE_LEFT -> cx = pathStart + travel * (1 - p);
        case MOVE_RIGHT -> cx = pathStart + travel * p;
        case MOVE_UP -> cy = pathStart + travel * (1 - p);
        case MOVE_DOWN -> cy = pathStart + travel * p;
        case GROW, SHRINK -> {
          double small = minSide * 0.06, large = minSide * 0.3;
          cx = w / 2.0 + (cx0 - w / 2.0) * 0.3;
          cy = h / 2.0 + (cy0 - h / 2.0) * 0.3;
          s = motion == Motion.GROW ? small + p * (large - small) : large - p * (large - small);
        }
        case FADE_IN -> alpha = p;
        case FADE_OUT -> alpha = 1 - p;
        case ROTATE_CLOCKWISE, ROTATE_ANTICLOCKWISE -> {
          s = size * 1.4;
          double turn = Math.PI * 0.75 * p;
          // Image rows grow downwards, so a growing angle turns clockwise on screen.
          angle = motion == Motion.ROTATE_CLOCKWISE ? angle0 + turn : angle0 - turn;
        }
      }
      draw(
          frames[t],
          w,
          h,
          bgA,
          bgB,
          gradAngle,
          fg,
          shape,
          cx,
          cy,
          s,
          angle,
          alpha * spec.contrast(),
          spec.noise(),
          r);
    }
    return frames;
  }

  private static void draw(
      byte[] out,
      int w,
      int h,
      int[] bgA,
      int[] bgB,
      double gradAngle,
      int[] fg,
      int shape,
      double cx,
      double cy,
      double s,
      double angle,
      double alpha,
      int noiseLevel,
      SplittableRandom noise) {
    double cos = Math.cos(angle), sin = Math.sin(angle);
    double gx = Math.cos(gradAngle), gy = Math.sin(gradAngle);
    double norm = Math.abs(gx) * w + Math.abs(gy) * h;
    for (int y = 0; y < h; y++) {
      for (int x = 0; x < w; x++) {
        double g = ((x - (gx < 0 ? w : 0)) * gx + (y - (gy < 0 ? h : 0)) * gy) / norm;
        double dx = x + 0.5 - cx, dy = y + 0.5 - cy;
        double u = dx * cos + dy * sin, v = -dx * sin + dy * cos;
        boolean inside =
            switch (shape) {
              case 0 -> Math.abs(u) < s && Math.abs(v) < s;
              case 1 -> u * u + v * v < s * s;
              default -> Math.abs(u) < s * 1.3 && Math.abs(v) < s * 0.4;
            };
        int o = (y * w + x) * 3;
        for (int c = 0; c < 3; c++) {
          double bg = bgA[c] + (bgB[c] - bgA[c]) * g;
          double val = inside ? bg + (fg[c] - bg) * alpha : bg;
          if (noiseLevel > 0) {
            val += noise.nextInt(-noiseLevel, noiseLevel + 1);
          }
          out[o + c] = (byte) Math.max(0, Math.min(255, (int) Math.round(val)));
        }
      }
    }
  }

  private static int[] colour(SplittableRandom r, int lo, int hi) {
    return new int[] {r.nextInt(lo, hi), r.nextInt(lo, hi), r.nextInt(lo, hi)};
  }

  private static long mix(long seed, int group, int motion, int clip) {
    long h = seed * 0x9E3779B97F4A7C15L;
    h = (h ^ group) * 0xBF58476D1CE4E5B9L;
    h = (h ^ (motion + 1000)) * 0x94D049BB133111EBL;
    return (h ^ clip) * 0x9E3779B97F4A7C15L;
  }
}

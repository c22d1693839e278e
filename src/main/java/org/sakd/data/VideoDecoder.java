package org.sakd.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * Decodes clips from video files with FFmpeg ({@link FfmpegVideo}: libavformat, libavcodec and
 * libswscale through the JavaCPP presets).
 *
 * <p>Only the frames up to the last one a clip needs are decoded, and only the needed ones are
 * converted: skipped frames go through the codec (inter-frame prediction needs them) but not
 * through swscale. Scaling to the target size happens in swscale together with the YUV->RGB
 * conversion, so Java touches only the cropped pixels, once, through a per-channel lookup table
 * that folds in the mean/std normalisation.
 *
 * <p>Frames before the window are decoded, not sought past: seeking to the key frame before a late
 * window (JavaCV's FFmpegFrameGrabber.setVideoFrameNumber) was measured slower on H.264 with long
 * GOPs and returned wrong frames on MPEG-4 AVI with B-frames (9 of 12 clips), so frame-exact
 * sequential decoding it is.
 *
 * <p>One decoder thread per file by default: the pipeline decodes many files in parallel, which
 * scales better than FFmpeg's frame threads on small clips.
 *
 * <p>Failures are {@link VideoDecodeException}s with a {@link VideoDecodeException.Reason}; a local
 * file never blocks (no network protocols are opened, and every loop ends at end of stream).
 */
public final class VideoDecoder {
  static {
    FfmpegLogLevel.quiet();
  }

  private final int threads;
  private final boolean horizontalFlip;

  public VideoDecoder() {
    this(1, false);
  }

  /**
   * @param threads FFmpeg codec threads per file (1 when files are decoded in parallel)
   * @param horizontalFlip flip half of the training clips; off by default because UCF101/SSv2 have
   *     classes that differ only by direction ("pushing something from left to right")
   */
  public VideoDecoder(int threads, boolean horizontalFlip) {
    if (threads < 1)
      throw new IllegalArgumentException("decoder threads must be >= 1, got " + threads);
    this.threads = threads;
    this.horizontalFlip = horizontalFlip;
  }

  /**
   * Frame numbers of one clip: {@code frames} frames {@code stride} apart, starting at a uniformly
   * random offset (training) or centred (test), as in SlowFast's temporal sampling. A video shorter
   * than the span is loop-padded: indices wrap around modulo {@code total}, from a random start
   * when training and from 0 when testing.
   */
  public static int[] frameIndices(int total, int frames, int stride, boolean train, Random rng) {
    if (total < 1) throw new IllegalArgumentException("video must have >= 1 frame, got " + total);
    if (frames < 1 || stride < 1)
      throw new IllegalArgumentException("frames and stride must be >= 1");
    long span = (long) frames * stride;
    int[] idx = new int[frames];
    if (span <= total) {
      int room = (int) (total - span);
      int start = train ? rng.nextInt(room + 1) : room / 2;
      for (int i = 0; i < frames; i++) idx[i] = start + i * stride;
    } else {
      int start = train ? rng.nextInt(total) : 0;
      for (int i = 0; i < frames; i++) idx[i] = (int) ((start + (long) i * stride) % total);
    }
    return idx;
  }

  /**
   * Frame numbers of test view {@code view} of {@code views}: the windows sit at evenly spaced
   * positions, (2·view + 1)/(2·views) of the way through the room left by the clip's span (one view
   * = the centre clip, as {@link #frameIndices} with {@code train = false}); a short video loops
   * from {@code total·view/views}.
   */
  public static int[] viewIndices(int total, int frames, int stride, int view, int views) {
    if (total < 1) throw new IllegalArgumentException("video must have >= 1 frame, got " + total);
    if (views < 1 || view < 0 || view >= views)
      throw new IllegalArgumentException("view " + view + " of " + views);
    long span = (long) frames * stride;
    int[] idx = new int[frames];
    if (span <= total) {
      long room = total - span;
      int start = (int) (room * (2L * view + 1) / (2L * views));
      for (int i = 0; i < frames; i++) idx[i] = start + i * stride;
    } else {
      int start = (int) ((long) total * view / views);
      for (int i = 0; i < frames; i++) idx[i] = (int) ((start + (long) i * stride) % total);
    }
    return idx;
  }

  /** Header facts without decoding a frame. */
  public VideoInfo probe(Path file) {
    try (FfmpegVideo v = open(file)) {
      return new VideoInfo(
          v.declaredFrames(), v.frameRate(), v.width(), v.height(), v.durationMicros() / 1e6);
    }
  }

  /**
   * Decodes every frame (without colour conversion) to count them and to check that the file
   * decodes to its end; {@link VideoInfo#frames()} is the decoded count.
   */
  public VideoInfo countFrames(Path file) {
    try (FfmpegVideo v = open(file)) {
      int declared = v.declaredFrames();
      int n = 0;
      while (v.next(false)) n++;
      checkEnd(file, n, declared);
      return new VideoInfo(n, v.frameRate(), v.width(), v.height(), v.durationMicros() / 1e6);
    }
  }

  /**
   * One clip as C x T x H x W floats: temporal window and crop random (seeded) when {@code train},
   * centred otherwise; short side resized to {@code spec.shortSide()} first.
   */
  public Clip decode(Path file, ClipSpec spec, boolean train, long seed) {
    return decode(file, spec, train, seed, 0, 1);
  }

  /**
   * Test view {@code view} of {@code views} (evenly spaced temporal windows, centre crop); see
   * {@link #viewIndices}.
   */
  public Clip decodeView(Path file, ClipSpec spec, int view, int views) {
    return decode(file, spec, false, 0, view, views);
  }

  private Clip decode(Path file, ClipSpec spec, boolean train, long seed, int view, int views) {
    int total;
    try (FfmpegVideo v = open(file)) {
      total = v.declaredFrames();
      if (total > 0) {
        Clip clip = tryDecode(v, file, spec, train, seed, total, view, views);
        if (clip != null) return clip;
      }
    }
    // The header's frame count was absent or a little too high: count exactly, then decode again.
    total = countFrames(file).frames();
    try (FfmpegVideo v = open(file)) {
      Clip clip = tryDecode(v, file, spec, train, seed, total, view, views);
      if (clip == null)
        throw new VideoDecodeException(
            file, VideoDecodeException.Reason.TRUNCATED, "frame count changed between reads");
      return clip;
    }
  }

  /**
   * Receives each decoded frame as planar RGB floats (3 x H x W); the array is reused for the next
   * frame.
   */
  @FunctionalInterface
  public interface FrameConsumer {
    void accept(int frameNumber, float[] rgb);
  }

  /**
   * Streams every frame scaled to exactly {@code width} x {@code height}, values 0..1, into {@code
   * consumer} through one reused buffer; returns the number of frames. Damage is reported as for
   * {@link #countFrames}.
   */
  public int forEachFrame(Path file, int width, int height, FrameConsumer consumer) {
    try (FfmpegVideo v = open(file)) {
      v.scaleTo(width, height);
      float[][] lut = ClipSpec.of(1, 1, 1, 1).withoutNormalisation();
      byte[] row = new byte[width * 3];
      int plane = width * height;
      float[] rgb = new float[3 * plane];
      int n = 0;
      while (v.next(true)) {
        convert(v, 0, 0, width, height, false, lut, row, rgb, 0, plane);
        consumer.accept(n++, rgb);
      }
      checkEnd(file, n, v.declaredFrames());
      return n;
    }
  }

  /**
   * Every frame scaled to exactly {@code width} x {@code height}, values 0..1, as one C x T x H x W
   * clip (for evaluation over whole videos).
   */
  public Clip decodeAll(Path file, int width, int height) {
    int plane = width * height;
    List<float[]> frames = new ArrayList<>();
    forEachFrame(file, width, height, (i, rgb) -> frames.add(rgb.clone()));
    int t = frames.size();
    float[] data = new float[3 * t * plane];
    for (int i = 0; i < t; i++) {
      float[] rgb = frames.get(i);
      for (int c = 0; c < 3; c++)
        System.arraycopy(rgb, c * plane, data, (c * t + i) * plane, plane);
    }
    return new Clip(data, 3, t, height, width);
  }

  /**
   * Null when the stream ended early but close to the declared count (retry with the exact count).
   */
  private Clip tryDecode(
      FfmpegVideo v,
      Path file,
      ClipSpec spec,
      boolean train,
      long seed,
      int total,
      int view,
      int views) {
    Random rng = new Random(seed);
    int[] idx =
        train || views == 1
            ? frameIndices(total, spec.frames(), spec.stride(), train, rng)
            : viewIndices(total, spec.frames(), spec.stride(), view, views);
    int srcW = v.width(), srcH = v.height();
    int shortSrc = Math.min(srcW, srcH);
    int scaledW =
        srcW <= srcH
            ? spec.shortSide()
            : (int) Math.round((double) srcW * spec.shortSide() / shortSrc);
    int scaledH =
        srcH < srcW
            ? spec.shortSide()
            : (int) Math.round((double) srcH * spec.shortSide() / shortSrc);
    int crop = spec.crop();
    int x0 = train ? rng.nextInt(scaledW - crop + 1) : (scaledW - crop) / 2;
    int y0 = train ? rng.nextInt(scaledH - crop + 1) : (scaledH - crop) / 2;
    boolean flip = train && horizontalFlip && rng.nextBoolean();
    v.scaleTo(scaledW, scaledH);

    // wanted: the distinct source frames the clip shows, ascending; first[j]: the first clip
    // position showing
    // wanted[j]. Sized by the clip, not by the frame count the header declares (a crafted header
    // may declare 2^31).
    int[] wanted = Arrays.stream(idx).distinct().sorted().toArray();
    int[] first = new int[wanted.length];
    for (int j = 0; j < wanted.length; j++) {
      for (int t = 0; t < idx.length; t++) {
        if (idx[t] == wanted[j]) {
          first[j] = t;
          break;
        }
      }
    }
    int last = wanted[wanted.length - 1];
    int next = 0;

    int frames = spec.frames(), plane = crop * crop;
    float[] data = new float[3 * frames * plane];
    float[][] lut = spec.normalisationTables();
    byte[] row = new byte[crop * 3];
    int n = 0;
    while (n <= last) {
      boolean needed = wanted[next] == n;
      if (!v.next(needed)) break;
      if (needed) {
        int t = first[next++];
        convert(v, x0, y0, crop, crop, flip, lut, row, data, t * plane, frames * plane);
        for (int u = t + 1; u < frames; u++) {
          if (idx[u] == n) {
            for (int c = 0; c < 3; c++) {
              System.arraycopy(
                  data, (c * frames + t) * plane, data, (c * frames + u) * plane, plane);
            }
          }
        }
      }
      n++;
    }
    if (n <= last) {
      checkEnd(file, n, total);
      return null;
    }
    return new Clip(data, 3, frames, crop, crop);
  }

  /**
   * Decoding stopped after {@code decoded} frames: zero frames, or a shortfall of more than 2
   * frames and 5% against the header, is damage; smaller gaps are the usual duration x fps rounding
   * of containers.
   */
  private static void checkEnd(Path file, int decoded, int declared) {
    if (decoded == 0)
      throw new VideoDecodeException(
          file, VideoDecodeException.Reason.ZERO_FRAMES, "no frame decodes");
    int missing = declared - decoded;
    if (missing > 2 && missing > declared / 20) {
      throw new VideoDecodeException(
          file,
          VideoDecodeException.Reason.TRUNCATED,
          "decoded " + decoded + " of " + declared + " frames the header declares");
    }
  }

  /**
   * Copies the w x h window at (x0, y0) of an RGB24 frame into planar floats: channel c of row y
   * goes to {@code out[offset + c * channelStride + y * w ...]}.
   */
  private static void convert(
      FfmpegVideo v,
      int x0,
      int y0,
      int w,
      int h,
      boolean flip,
      float[][] lut,
      byte[] row,
      float[] out,
      int offset,
      int channelStride) {
    ByteBuffer buf = v.rgb();
    int stride = v.stride();
    float[] r = lut[0], gr = lut[1], b = lut[2];
    for (int y = 0; y < h; y++) {
      buf.get((y0 + y) * stride + x0 * 3, row, 0, w * 3);
      int o = offset + y * w;
      for (int x = 0; x < w; x++) {
        int s = (flip ? w - 1 - x : x) * 3;
        out[o + x] = r[row[s] & 0xFF];
        out[o + channelStride + x] = gr[row[s + 1] & 0xFF];
        out[o + 2 * channelStride + x] = b[row[s + 2] & 0xFF];
      }
    }
  }

  private FfmpegVideo open(Path file) {
    if (!Files.exists(file))
      throw new VideoDecodeException(file, VideoDecodeException.Reason.MISSING, "no such file");
    try {
      if (Files.size(file) == 0)
        throw new VideoDecodeException(file, VideoDecodeException.Reason.EMPTY_FILE, "0 bytes");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot stat " + file, e);
    }
    try {
      return new FfmpegVideo(file, threads);
    } catch (FfmpegVideo.OpenException e) {
      throw new VideoDecodeException(
          file, VideoDecodeException.Reason.UNREADABLE, e.getMessage(), e);
    }
  }
}

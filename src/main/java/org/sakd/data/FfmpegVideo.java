package org.sakd.data;

import static org.bytedeco.ffmpeg.global.avcodec.AV_CODEC_ID_NONE;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_alloc;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_free;
import static org.bytedeco.ffmpeg.global.avcodec.av_packet_unref;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_alloc_context3;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_find_decoder;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_free_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_open2;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_parameters_to_context;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_receive_frame;
import static org.bytedeco.ffmpeg.global.avcodec.avcodec_send_packet;
import static org.bytedeco.ffmpeg.global.avformat.av_read_frame;
import static org.bytedeco.ffmpeg.global.avformat.avformat_close_input;
import static org.bytedeco.ffmpeg.global.avformat.avformat_find_stream_info;
import static org.bytedeco.ffmpeg.global.avformat.avformat_open_input;
import static org.bytedeco.ffmpeg.global.avutil.AVERROR_EOF;
import static org.bytedeco.ffmpeg.global.avutil.AVMEDIA_TYPE_VIDEO;
import static org.bytedeco.ffmpeg.global.avutil.AV_PIX_FMT_RGB24;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_alloc;
import static org.bytedeco.ffmpeg.global.avutil.av_frame_free;
import static org.bytedeco.ffmpeg.global.avutil.av_free;
import static org.bytedeco.ffmpeg.global.avutil.av_malloc;
import static org.bytedeco.ffmpeg.global.avutil.av_strerror;
import static org.bytedeco.ffmpeg.global.swscale.SWS_BILINEAR;
import static org.bytedeco.ffmpeg.global.swscale.sws_freeContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_getCachedContext;
import static org.bytedeco.ffmpeg.global.swscale.sws_scale;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.bytedeco.ffmpeg.avcodec.AVCodec;
import org.bytedeco.ffmpeg.avcodec.AVCodecContext;
import org.bytedeco.ffmpeg.avcodec.AVPacket;
import org.bytedeco.ffmpeg.avformat.AVFormatContext;
import org.bytedeco.ffmpeg.avformat.AVStream;
import org.bytedeco.ffmpeg.avutil.AVFrame;
import org.bytedeco.ffmpeg.avutil.AVRational;
import org.bytedeco.ffmpeg.swscale.SwsContext;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.IntPointer;
import org.bytedeco.javacpp.PointerPointer;

/**
 * One open video file read frame by frame through FFmpeg's own API (libavformat, libavcodec,
 * libswscale, through the JavaCPP presets that JavaCV brings), for {@link VideoDecoder}.
 *
 * <p>Why not JavaCV's {@code FFmpegFrameGrabber}: its {@code release()} ends with JavaCPP's {@code
 * Pointer.trimMemory()}, glibc's {@code malloc_trim(0)}, which returns every free page of every
 * malloc arena to the kernel. The pipeline closes one file per clip, so a decoder thread trimmed
 * the whole process about a hundred times a second: some 25,000 {@code madvise(MADV_DONTNEED)}
 * calls a second, each a TLB shootdown on the core running the training step, whose freed tensor
 * memory then faulted back in. Training next to a decoder ran about a third slower than alone
 * (docs/DESIGN.md "Decoding"). This class frees what it allocated and trims nothing; the run trims
 * once per epoch ({@code train.NativeHeap}).
 *
 * <p>It reads as the grabber did, so clips are the same bytes: the first video stream (one with no
 * disposition flags first, as cover art is flagged), decoder errors on a packet skipped, the codec
 * drained at the end of the stream, and frames converted to RGB24 by swscale with bilinear scaling
 * into rows padded to 64 pixels. Not thread-safe; one file per instance.
 */
final class FfmpegVideo implements AutoCloseable {

  /** Why a file could not be opened; the message names FFmpeg's error. */
  static final class OpenException extends Exception {
    OpenException(String message) {
      super(message, null, false, false);
    }
  }

  private final AVFormatContext format;
  private final AVCodecContext codec;
  private final AVStream stream;
  private final AVPacket packet;
  private final AVFrame frame;
  private final PointerPointer<?> frameData;
  private final Path file;
  private SwsContext scaler;
  private BytePointer rgb;
  private ByteBuffer rgbBuffer;
  private PointerPointer<?> rgbData;
  private IntPointer rgbLinesize;
  private int outWidth;
  private int outHeight;
  private int rgbWidth;
  private int rgbHeight;
  private int stride;
  private boolean draining;
  private boolean ended;

  /**
   * Opens {@code file} and its video decoder with {@code threads} codec threads.
   *
   * @throws OpenException when FFmpeg cannot open it, finds no video stream or no decoder for it
   */
  FfmpegVideo(Path file, int threads) throws OpenException {
    this.file = file;
    AVFormatContext fc = new AVFormatContext(null);
    int r = avformat_open_input(fc, file.toString(), null, null);
    if (r < 0) {
      throw new OpenException("cannot open: " + error(r));
    }
    AVCodecContext c = null;
    try {
      r = avformat_find_stream_info(fc, (PointerPointer<?>) null);
      if (r < 0) {
        throw new OpenException("no stream information: " + error(r));
      }
      AVStream st = videoStream(fc);
      if (st == null) {
        throw new OpenException("no video stream");
      }
      AVCodec decoder = avcodec_find_decoder(st.codecpar().codec_id());
      if (decoder == null) {
        throw new OpenException("no decoder for codec id " + st.codecpar().codec_id());
      }
      c = avcodec_alloc_context3(decoder);
      if (c == null) {
        throw new OpenException("cannot allocate a decoder context");
      }
      r = avcodec_parameters_to_context(c, st.codecpar());
      if (r < 0) {
        throw new OpenException("bad codec parameters: " + error(r));
      }
      c.thread_count(threads);
      r = avcodec_open2(c, decoder, (PointerPointer<?>) null);
      if (r < 0) {
        throw new OpenException("cannot open the decoder: " + error(r));
      }
      if (c.width() <= 0 || c.height() <= 0) {
        throw new OpenException("no video stream");
      }
      this.format = fc;
      this.codec = c;
      this.stream = st;
      this.packet = av_packet_alloc();
      this.frame = av_frame_alloc();
      // the frame's data[] is its first member: the frame's address read as the plane array
      this.frameData = new PointerPointer<>(frame);
    } catch (OpenException | RuntimeException e) {
      if (c != null) {
        avcodec_free_context(c);
      }
      avformat_close_input(fc);
      throw e;
    }
  }

  /**
   * The first video stream with a codec, preferring one without disposition flags (an attached
   * picture, such as cover art, has one).
   */
  private static AVStream videoStream(AVFormatContext fc) {
    AVStream any = null;
    for (int i = 0; i < fc.nb_streams(); i++) {
      AVStream st = fc.streams(i);
      if (st.codecpar().codec_type() != AVMEDIA_TYPE_VIDEO
          || st.codecpar().codec_id() == AV_CODEC_ID_NONE) {
        continue;
      }
      if (st.disposition() == 0) {
        return st;
      }
      if (any == null) {
        any = st;
      }
    }
    return any;
  }

  int width() {
    return codec.width();
  }

  int height() {
    return codec.height();
  }

  /** The stream's average frame rate, else its base rate (as FFmpeg reports them). */
  double frameRate() {
    AVRational r = stream.avg_frame_rate();
    if (r.num() == 0 && r.den() == 0) {
      r = stream.r_frame_rate();
    }
    return (double) r.num() / r.den();
  }

  /** The container's duration in microseconds. */
  long durationMicros() {
    return format.duration();
  }

  /**
   * The container's own frame count when it stores one (AVI's strh length, MP4's sample count);
   * otherwise duration × fps, rounded.
   */
  int declaredFrames() {
    for (int i = 0; i < format.nb_streams(); i++) {
      AVStream st = format.streams(i);
      if (st.codecpar().codec_type() == AVMEDIA_TYPE_VIDEO && st.nb_frames() > 0) {
        return (int) Math.min(Integer.MAX_VALUE, st.nb_frames());
      }
    }
    return (int) Math.round(durationMicros() * frameRate() / 1e6);
  }

  /** Frames are converted to {@code width} × {@code height} RGB from now on. */
  void scaleTo(int width, int height) {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException("output size " + width + "x" + height);
    }
    outWidth = width;
    outHeight = height;
  }

  /**
   * Decodes the next frame; with {@code convert}, also into {@link #rgb()} at the size {@link
   * #scaleTo} set (the source size if never set). False at the end of the stream.
   *
   * @throws VideoDecodeException (unreadable) when swscale cannot convert the frame
   */
  boolean next(boolean convert) {
    while (!ended) {
      int r = avcodec_receive_frame(codec, frame);
      if (r >= 0) {
        if (convert) {
          convert();
        }
        return true;
      }
      if (r == AVERROR_EOF() || draining) {
        ended = true;
        break;
      }
      // the decoder wants input (or failed on a packet, which is skipped): feed the next packet of
      // the stream, or, at the end of the file (or a read error), the empty packet that drains it
      feed();
    }
    return false;
  }

  private void feed() {
    while (true) {
      int r = av_read_frame(format, packet);
      if (r < 0) {
        avcodec_send_packet(codec, null);
        draining = true;
        return;
      }
      boolean ours = packet.stream_index() == stream.index();
      if (ours) {
        avcodec_send_packet(codec, packet); // an error here skips the packet
      }
      av_packet_unref(packet);
      if (ours) {
        return;
      }
    }
  }

  private void convert() {
    int w = outWidth > 0 ? outWidth : codec.width();
    int h = outHeight > 0 ? outHeight : codec.height();
    if (rgb == null || w != rgbWidth || h != rgbHeight) {
      allocateRgb(w, h);
    }
    scaler =
        sws_getCachedContext(
            scaler,
            frame.width(),
            frame.height(),
            frame.format(),
            w,
            h,
            AV_PIX_FMT_RGB24,
            SWS_BILINEAR,
            null,
            null,
            (DoublePointer) null);
    if (scaler == null) {
      throw new VideoDecodeException(
          file,
          VideoDecodeException.Reason.UNREADABLE,
          "swscale cannot convert a "
              + frame.width()
              + "x"
              + frame.height()
              + " frame of pixel format "
              + frame.format()
              + " to "
              + w
              + "x"
              + h
              + " RGB");
    }
    sws_scale(scaler, frameData, frame.linesize(), 0, frame.height(), rgbData, rgbLinesize);
  }

  /**
   * An RGB24 buffer of {@code w} × {@code h} whose rows are padded to a multiple of 64 pixels, so
   * every row starts 64-byte aligned for swscale's vector code (FFmpeg trac #1031, which JavaCV
   * works around the same way).
   */
  private void allocateRgb(int w, int h) {
    freeRgb();
    stride = ((w + 63) & ~63) * 3;
    long size = (long) stride * h;
    rgb = new BytePointer(av_malloc(size)).capacity(size);
    if (rgb.isNull()) {
      rgb = null;
      throw new OutOfMemoryError("av_malloc(" + size + ") for a " + w + "x" + h + " frame");
    }
    rgbBuffer = rgb.asByteBuffer();
    rgbData = new PointerPointer<>(4);
    rgbData.put(0, rgb);
    rgbLinesize = new IntPointer(4);
    rgbLinesize.put(0, stride);
    rgbWidth = w;
    rgbHeight = h;
  }

  /** The last converted frame: packed RGB, {@link #stride()} bytes per row. */
  ByteBuffer rgb() {
    return rgbBuffer;
  }

  int stride() {
    return stride;
  }

  private void freeRgb() {
    if (rgb != null) {
      av_free(rgb);
      rgb = null;
      rgbBuffer = null;
    }
    if (rgbData != null) {
      rgbData.close();
      rgbLinesize.close();
      rgbData = null;
      rgbLinesize = null;
    }
  }

  /** Frees everything this file holds (and nothing else: no heap trim). */
  @Override
  public void close() {
    freeRgb();
    if (scaler != null) {
      sws_freeContext(scaler);
      scaler = null;
    }
    av_frame_free(frame);
    av_packet_free(packet);
    avcodec_free_context(codec);
    avformat_close_input(format);
  }

  private static String error(int code) {
    byte[] buf = new byte[256];
    av_strerror(code, buf, buf.length);
    int n = 0;
    while (n < buf.length && buf[n] != 0) {
      n++;
    }
    return new String(buf, 0, n, java.nio.charset.StandardCharsets.UTF_8) + " (" + code + ")";
  }
}

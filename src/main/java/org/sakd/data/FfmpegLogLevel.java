package org.sakd.data;

import org.bytedeco.ffmpeg.global.avutil;

/**
 * FFmpeg logs to stderr from native code; corrupt inputs and the libopenh264 encoder produce pages
 * of warnings that say nothing our exceptions do not. Both the decoder and the generator lower the
 * level once.
 */
final class FfmpegLogLevel {
  private static volatile boolean set;

  private FfmpegLogLevel() {}

  static void quiet() {
    if (!set) {
      avutil.av_log_set_level(avutil.AV_LOG_FATAL);
      set = true;
    }
  }
}

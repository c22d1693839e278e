package org.sakd.data;

import java.nio.file.Path;

/**
 * A video could not give the frames asked for; {@link #reason()} says why in terms a scan report
 * can count.
 */
public final class VideoDecodeException extends RuntimeException {
  public enum Reason {
    /** The file does not exist. */
    MISSING,
    /** The file has zero bytes. */
    EMPTY_FILE,
    /**
     * FFmpeg cannot open it as a video: random bytes, an unknown container, no video stream, or a
     * lost index (an MP4 cut before its trailing moov box is unreadable, not truncated).
     */
    UNREADABLE,
    /** It opens and has a video stream, but not one frame decodes. */
    ZERO_FRAMES,
    /** Decoding ends (or fails) well before the frame count its header declares. */
    TRUNCATED,
    /**
     * Fewer frames than a clip spans; only a warning in scans, since decoding loop-pads such
     * videos.
     */
    TOO_SHORT
  }

  private final Path path;
  private final Reason reason;

  public VideoDecodeException(Path path, Reason reason, String detail) {
    this(path, reason, detail, null);
  }

  public VideoDecodeException(Path path, Reason reason, String detail, Throwable cause) {
    super(
        reason + ": " + path + (detail == null || detail.isEmpty() ? "" : " (" + detail + ")"),
        cause);
    this.path = path;
    this.reason = reason;
  }

  public Path path() {
    return path;
  }

  public Reason reason() {
    return reason;
  }
}

package org.sakd.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.sakd.data.Clip;
import org.sakd.proto.DecodedClipPart;

/**
 * A decoded clip as the {@link DecodedClipPart}s a decoder node streams, and back. Each part holds
 * at most {@link #MAX_FLOATS} floats (128 KiB), so every message fits the ordinary Artery lane's
 * 256 KiB frames with room for the envelope; a clip of the defaults (3x8x56x56 floats, 294 KiB) is
 * three parts. Floats travel as their IEEE bits: the clip that arrives is the clip decoded.
 */
final class ClipParts {
  private ClipParts() {}

  /** 128 KiB of floats. */
  static final int MAX_FLOATS = 32 * 1024;

  /**
   * The parts of the clip at {@code position} of a request; an empty clip (a video that could not
   * be decoded) is one part with the reason.
   */
  static List<DecodedClipPart> split(int position, Optional<Clip> clip, String failure) {
    if (clip.isEmpty()) {
      return List.of(
          DecodedClipPart.newBuilder()
              .setPosition(position)
              .setPart(0)
              .setParts(1)
              .setFailure(failure == null || failure.isEmpty() ? "not decoded" : failure)
              .build());
    }
    Clip c = clip.get();
    float[] data = c.data();
    int parts = Math.max(1, (data.length + MAX_FLOATS - 1) / MAX_FLOATS);
    List<DecodedClipPart> out = new ArrayList<>(parts);
    for (int p = 0; p < parts; p++) {
      DecodedClipPart.Builder b =
          DecodedClipPart.newBuilder()
              .setPosition(position)
              .setPart(p)
              .setParts(parts)
              .setChannels(c.channels())
              .setFrames(c.frames())
              .setHeight(c.height())
              .setWidth(c.width());
      int end = Math.min(data.length, (p + 1) * MAX_FLOATS);
      for (int i = p * MAX_FLOATS; i < end; i++) {
        b.addData(data[i]);
      }
      out.add(b.build());
    }
    return out;
  }

  /**
   * Collects the parts of one request's clips as they arrive (in any order); not thread-safe: one
   * stream feeds it, and its owner reads it after the stream ended.
   */
  static final class Assembly {
    private final int clips;
    private final List<List<DecodedClipPart>> parts = new ArrayList<>();
    private final Optional<Clip>[] done;
    private final String[] failures;

    @SuppressWarnings("unchecked")
    Assembly(int clips) {
      this.clips = clips;
      this.done = new Optional[clips];
      this.failures = new String[clips];
      for (int i = 0; i < clips; i++) {
        parts.add(new ArrayList<>());
      }
    }

    /** Takes one part; a part that does not belong to this request is an error. */
    void add(DecodedClipPart p) {
      int at = p.getPosition();
      if (at < 0 || at >= clips || p.getParts() < 1 || p.getPart() >= p.getParts()) {
        throw new IllegalArgumentException(
            "a clip part at position "
                + at
                + " (part "
                + p.getPart()
                + " of "
                + p.getParts()
                + ") does not belong to a request of "
                + clips
                + " clips");
      }
      if (done[at] != null) {
        throw new IllegalArgumentException("clip " + at + " arrived twice");
      }
      List<DecodedClipPart> got = parts.get(at);
      got.add(p);
      if (got.size() < p.getParts()) {
        return;
      }
      got.sort(java.util.Comparator.comparingInt(DecodedClipPart::getPart));
      DecodedClipPart first = got.get(0);
      if (!first.getFailure().isEmpty()) {
        failures[at] = first.getFailure();
        done[at] = Optional.empty();
      } else {
        int n = first.getChannels() * first.getFrames() * first.getHeight() * first.getWidth();
        float[] data = new float[n];
        int off = 0;
        for (DecodedClipPart q : got) {
          for (int i = 0; i < q.getDataCount(); i++) {
            data[off++] = q.getData(i);
          }
        }
        done[at] =
            Optional.of(
                new Clip(
                    data,
                    first.getChannels(),
                    first.getFrames(),
                    first.getHeight(),
                    first.getWidth()));
      }
      got.clear();
    }

    /**
     * The clip at {@code position}: null while it has not arrived whole, empty when not decoded.
     */
    Optional<Clip> clip(int position) {
      return done[position];
    }

    /** Why the clip at {@code position} was not decoded, or null. */
    String failure(int position) {
      return failures[position];
    }
  }
}

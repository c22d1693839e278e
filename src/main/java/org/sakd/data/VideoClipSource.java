package org.sakd.data;

/** Clips from video files through {@link VideoDecoder}. */
public final class VideoClipSource implements ClipSource {
  private final VideoDecoder decoder;
  private final ClipSpec spec;

  public VideoClipSource(VideoDecoder decoder, ClipSpec spec) {
    this.decoder = decoder;
    this.spec = spec;
  }

  @Override
  public Clip load(Sample s, boolean train, long seed) {
    if (s.path() == null)
      throw new IllegalArgumentException("video sample " + s.id() + " has no path");
    return decoder.decode(s.path(), spec, train, seed);
  }

  @Override
  public Clip loadView(Sample s, int view, int views) {
    if (s.path() == null)
      throw new IllegalArgumentException("video sample " + s.id() + " has no path");
    return decoder.decodeView(s.path(), spec, view, views);
  }

  public ClipSpec spec() {
    return spec;
  }
}

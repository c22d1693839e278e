package org.sakd.data;

/**
 * A normalised clip in C x T x H x W order (channel-major, as PyTorch's Conv3d expects), RGB
 * channels.
 */
public record Clip(float[] data, int channels, int frames, int height, int width) {
  public Clip {
    if ((long) channels * frames * height * width != data.length) {
      throw new IllegalArgumentException(
          "clip data has "
              + data.length
              + " values, shape "
              + channels
              + "x"
              + frames
              + "x"
              + height
              + "x"
              + width
              + " needs "
              + ((long) channels * frames * height * width));
    }
  }

  public long[] shape() {
    return new long[] {channels, frames, height, width};
  }

  /** Value at channel c, frame t, row y, column x. */
  public float at(int c, int t, int y, int x) {
    return data[((c * frames + t) * height + y) * width + x];
  }
}

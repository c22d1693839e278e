package org.sakd.data;

/**
 * Size and seed of a generated action dataset (see {@link SyntheticActions}).
 *
 * @param classes 2..10 motion classes, taken in order from {@link SyntheticActions.Motion}
 * @param groups UCF101-style groups per class; a group shares its background, like a UCF101
 *     actor/scene
 * @param clipsPerGroup clips per group and class
 * @param frames frames per clip
 * @param width frame width (even, as yuv420p needs)
 * @param height frame height (even)
 * @param fps frame rate written into the container
 * @param seed same seed, same pixels
 * @param container "avi" (MPEG-4 Part 2) or "mp4" (H.264 via libopenh264)
 * @param testGroups the last {@code testGroups} groups form the test split, so no scene is in both
 *     splits
 * @param noise amplitude of the uniform per-pixel noise, in 8-bit levels (harder when larger)
 * @param contrast how far the shape's colour goes from the background towards its own colour, in
 *     (0, 1]
 */
public record SyntheticSpec(
    int classes,
    int groups,
    int clipsPerGroup,
    int frames,
    int width,
    int height,
    int fps,
    long seed,
    String container,
    int testGroups,
    int noise,
    double contrast) {
  /** The default difficulty: noise ±6 levels, full contrast. */
  public SyntheticSpec(
      int classes,
      int groups,
      int clipsPerGroup,
      int frames,
      int width,
      int height,
      int fps,
      long seed,
      String container,
      int testGroups) {
    this(
        classes,
        groups,
        clipsPerGroup,
        frames,
        width,
        height,
        fps,
        seed,
        container,
        testGroups,
        6,
        1.0);
  }

  public SyntheticSpec {
    if (noise < 0 || noise > 127)
      throw new IllegalArgumentException("noise must be 0..127, got " + noise);
    if (!(contrast > 0 && contrast <= 1))
      throw new IllegalArgumentException("contrast must be in (0, 1], got " + contrast);
    if (classes < 2 || classes > SyntheticActions.Motion.values().length) {
      throw new IllegalArgumentException(
          "synthetic classes must be 2.."
              + SyntheticActions.Motion.values().length
              + ", got "
              + classes);
    }
    if (groups < 1 || groups > 99)
      throw new IllegalArgumentException("groups must be 1..99, got " + groups);
    if (clipsPerGroup < 1 || clipsPerGroup > 99)
      throw new IllegalArgumentException("clipsPerGroup must be 1..99, got " + clipsPerGroup);
    if (frames < 2)
      throw new IllegalArgumentException("frames must be >= 2 (motion needs time), got " + frames);
    if (width < 16 || height < 16 || width % 2 != 0 || height % 2 != 0) {
      throw new IllegalArgumentException(
          "width and height must be even and >= 16, got " + width + "x" + height);
    }
    if (fps < 1) throw new IllegalArgumentException("fps must be >= 1, got " + fps);
    if (!"avi".equals(container) && !"mp4".equals(container)) {
      throw new IllegalArgumentException("container must be avi or mp4, got " + container);
    }
    if (testGroups < 0 || testGroups >= groups) {
      throw new IllegalArgumentException(
          "testGroups must be 0.."
              + (groups - 1)
              + " (at least one training group), got "
              + testGroups);
    }
  }

  /** The demo size: 6 classes x 10 groups x 4 clips of 16 frames at 64x48, 2 test groups. */
  public static SyntheticSpec demo(long seed) {
    return new SyntheticSpec(6, 10, 4, 16, 64, 48, 25, seed, "avi", 2);
  }

  /** One line that {@link SyntheticActions} stores beside the data to recognise a finished run. */
  String describe() {
    return "synthetic-actions v1 classes="
        + classes
        + " groups="
        + groups
        + " clipsPerGroup="
        + clipsPerGroup
        + " frames="
        + frames
        + " size="
        + width
        + "x"
        + height
        + " fps="
        + fps
        + " seed="
        + seed
        + " container="
        + container
        + " testGroups="
        + testGroups
        + (noise == 6 && contrast == 1.0 ? "" : " noise=" + noise + " contrast=" + contrast);
  }
}

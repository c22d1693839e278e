package org.sakd.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;

/**
 * The geometry of Video Swin's 3D (shifted) windows (Liu et al., "Video Swin Transformer", CVPR
 * 2022, §3.2) on channels-last features N×T×H×W×C: which window and shift a feature of a given size
 * gets, how tokens are grouped into windows and back, the relative-position index into the bias
 * table, and the mask of the shifted configuration. Axes are always (T, H, W).
 */
final class ShiftedWindows {

  /** The mask value between tokens of different regions; softmax turns it into ~0 (e^-100). */
  static final float BLOCKED = -100f;

  private ShiftedWindows() {}

  /**
   * The windows a feature of {@code size} (T, H, W) is attended in.
   *
   * @param window the window actually used: the configured one, clipped to the feature where the
   *     feature is not larger (the paper clips the temporal window for short inputs)
   * @param shift the cyclic shift: half the configured window in the shifted blocks, 0 along an
   *     axis whose window was clipped (one window covers it, nothing to shift)
   * @param padded the feature size padded at the end to whole windows
   */
  record Geometry(long[] size, long[] window, long[] shift, long[] padded) {

    static Geometry of(long[] size, long[] configured, boolean shifted) {
      long[] window = new long[3];
      long[] shift = new long[3];
      long[] padded = new long[3];
      for (int a = 0; a < 3; a++) {
        boolean clipped = size[a] <= configured[a];
        window[a] = clipped ? size[a] : configured[a];
        shift[a] = shifted && !clipped ? configured[a] / 2 : 0;
        padded[a] = (size[a] + window[a] - 1) / window[a] * window[a];
      }
      return new Geometry(size.clone(), window, shift, padded);
    }

    boolean isShifted() {
      return shift[0] + shift[1] + shift[2] > 0;
    }

    boolean isPadded() {
      return !Arrays.equals(size, padded);
    }

    /** Tokens per window. */
    long volume() {
      return window[0] * window[1] * window[2];
    }

    /** Windows per clip. */
    long count() {
      return padded[0] / window[0] * (padded[1] / window[1]) * (padded[2] / window[2]);
    }
  }

  /**
   * For every pair (i, j) of tokens of a window of {@code window} (T, H, W), tokens numbered
   * t-major then h then w, the row of the bias table of the configured window {@code table} that
   * holds the bias for their offset: (Δt + Tw−1)·(2Hw−1)(2Ww−1) + (Δh + Hw−1)·(2Ww−1) + (Δw +
   * Ww−1), Δ = position(i) − position(j). A window clipped smaller than the table's indexes the
   * table by the true offsets, so clipping never changes which bias an offset gets.
   */
  static long[] relativePositionIndex(long[] window, long[] table) {
    for (int a = 0; a < 3; a++) {
      if (window[a] < 1 || window[a] > table[a]) {
        throw new IllegalArgumentException(
            "window "
                + Arrays.toString(window)
                + " must fit the table's "
                + Arrays.toString(table));
      }
    }
    long rowH = 2 * table[2] - 1;
    long rowT = (2 * table[1] - 1) * rowH;
    int volume = (int) (window[0] * window[1] * window[2]);
    long[] index = new long[volume * volume];
    for (int i = 0; i < volume; i++) {
      long[] pi = position(i, window);
      for (int j = 0; j < volume; j++) {
        long[] pj = position(j, window);
        index[i * volume + j] =
            (pi[0] - pj[0] + table[0] - 1) * rowT
                + (pi[1] - pj[1] + table[1] - 1) * rowH
                + (pi[2] - pj[2] + table[2] - 1);
      }
    }
    return index;
  }

  /** Rows of the bias table of a configured window: (2T−1)(2H−1)(2W−1). */
  static long tableSize(long[] table) {
    return (2 * table[0] - 1) * (2 * table[1] - 1) * (2 * table[2] - 1);
  }

  /**
   * The region of every token of the shifted, padded feature, window by window (nW × volume, in the
   * order of {@link #partition}). After the cyclic shift by −s, the last window along an axis holds
   * the feature's tail [P−w+s, P) next to its head [0, s) brought round from the start; along each
   * axis a token is in region 0 before P−w, 1 in [P−w, P−s) and 2 from P−s on (the paper's three
   * slices per axis, 27 regions in 3D). Tokens of different regions must not attend each other.
   */
  static long[] regions(Geometry g) {
    long[] p = g.padded();
    long[] w = g.window();
    long[] s = g.shift();
    int count = (int) g.count();
    int volume = (int) g.volume();
    long[] regions = new long[count * volume];
    long windowsH = p[1] / w[1];
    long windowsW = p[2] / w[2];
    for (int n = 0; n < count; n++) {
      long[] origin = {
        n / (windowsH * windowsW) * w[0], n / windowsW % windowsH * w[1], n % windowsW * w[2]
      };
      for (int k = 0; k < volume; k++) {
        long[] local = position(k, w);
        long region = 0;
        for (int a = 0; a < 3; a++) {
          long x = origin[a] + local[a];
          long r = s[a] == 0 || x < p[a] - w[a] ? 0 : x < p[a] - s[a] ? 1 : 2;
          region = region * 3 + r;
        }
        regions[n * volume + k] = region;
      }
    }
    return regions;
  }

  /**
   * The additive attention mask nW × volume × volume of a shifted geometry: 0 where two tokens of a
   * window are of the same region, {@link #BLOCKED} where not. Made in PyTorch's memory on {@code
   * manager} (a copy, not a view of a Java buffer), as autograd may keep it.
   */
  static NDArray attentionMask(NDManager manager, Geometry g) {
    try (NDManager scope = manager.newSubManager()) {
      NDArray regions = scope.create(regions(g), new Shape(g.count(), g.volume())).duplicate();
      NDArray different = regions.expandDims(2).neq(regions.expandDims(1));
      NDArray mask = different.toType(DataType.FLOAT32, false).mul(BLOCKED);
      mask.attach(manager);
      return mask;
    }
  }

  /** The relative-position index as a PyTorch-owned INT64 array of volume² on {@code manager}. */
  static NDArray relativePositionIndex(NDManager manager, long[] window, long[] table) {
    try (NDManager scope = manager.newSubManager()) {
      NDArray index = scope.create(relativePositionIndex(window, table)).duplicate();
      index.attach(manager);
      return index;
    }
  }

  /** Token k of a window of {@code window}, as (t, h, w). */
  static long[] position(long k, long[] window) {
    return new long[] {k / (window[1] * window[2]), k / window[2] % window[1], k % window[2]};
  }

  /** N×P_T×P_H×P_W×C → (N·nW)×volume×C, windows numbered t-major then h then w. */
  static NDArray partition(NDArray x, Geometry g) {
    long n = x.getShape().get(0);
    long c = x.getShape().get(4);
    long[] p = g.padded();
    long[] w = g.window();
    return x.reshape(n, p[0] / w[0], w[0], p[1] / w[1], w[1], p[2] / w[2], w[2], c)
        .transpose(0, 1, 3, 5, 2, 4, 6, 7)
        .reshape(n * g.count(), g.volume(), c);
  }

  /** The inverse of {@link #partition} for {@code n} clips. */
  static NDArray merge(NDArray windows, Geometry g, long n) {
    long c = windows.getShape().get(2);
    long[] p = g.padded();
    long[] w = g.window();
    return windows
        .reshape(n, p[0] / w[0], p[1] / w[1], p[2] / w[2], w[0], w[1], w[2], c)
        .transpose(0, 1, 4, 2, 5, 3, 6, 7)
        .reshape(n, p[0], p[1], p[2], c);
  }

  /**
   * Cyclic shift of the (T, H, W) axes 1..3 by {@code −shift} ({@code torch.roll(x, −s)}): the
   * token at p moves to p − s, and the first s wrap round to the end. {@code undo} shifts back.
   */
  static NDArray roll(NDArray x, long[] shift, boolean undo) {
    NDArray y = x;
    for (int a = 0; a < 3; a++) {
      long size = y.getShape().get(a + 1);
      long s = shift[a] % size;
      if (s == 0) {
        continue;
      }
      long cut = undo ? size - s : s;
      NDArray head = y.get(new NDIndex().addAllDim(a + 1).addSliceDim(0, cut));
      NDArray tail = y.get(new NDIndex().addAllDim(a + 1).addSliceDim(cut, size));
      y = tail.concat(head, a + 1);
    }
    return y;
  }
}

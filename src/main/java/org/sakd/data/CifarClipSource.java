package org.sakd.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * CIFAR-100 images as one-frame clips of {@code crop x crop} (normally 32). Training uses the
 * standard CIFAR augmentation (He et al., 2016): zero-pad 4 pixels, random crop, horizontal flip
 * with probability 1/2; test takes the centre crop (the image itself when crop is 32). The .bin
 * files are memory-mapped once.
 */
public final class CifarClipSource implements ClipSource {
  static final int PAD = 4;
  private final ClipSpec spec;
  private final float[][] lut;
  private final Map<Path, MappedByteBuffer> maps = new ConcurrentHashMap<>();

  public CifarClipSource(ClipSpec spec) {
    if (spec.crop() > Cifar100Index.SIDE) {
      throw new IllegalArgumentException("CIFAR crop must be <= 32, got " + spec.crop());
    }
    this.spec = spec;
    this.lut = spec.normalisationTables();
  }

  @Override
  public Clip load(Sample s, boolean train, long seed) {
    MappedByteBuffer map = maps.computeIfAbsent(s.path(), CifarClipSource::map);
    long offset = (long) s.index() * Cifar100Index.RECORD_BYTES + 2;
    int plane = Cifar100Index.SIDE * Cifar100Index.SIDE;
    if (offset + 3L * plane > map.capacity()) {
      throw new IllegalArgumentException(
          "CIFAR record " + s.index() + " lies beyond the end of " + s.path());
    }
    byte[] px = new byte[3 * plane];
    map.get((int) offset, px, 0, px.length);
    int crop = spec.crop(), side = Cifar100Index.SIDE;
    int x0, y0;
    boolean flip = false;
    if (train) {
      Random rng = new Random(seed);
      x0 = rng.nextInt(side + 2 * PAD - crop + 1) - PAD;
      y0 = rng.nextInt(side + 2 * PAD - crop + 1) - PAD;
      flip = rng.nextBoolean();
    } else {
      x0 = (side - crop) / 2;
      y0 = (side - crop) / 2;
    }
    float[] data = new float[3 * crop * crop];
    for (int c = 0; c < 3; c++) {
      float zero = lut[c][0];
      for (int y = 0; y < crop; y++) {
        int sy = y0 + y;
        for (int x = 0; x < crop; x++) {
          int sx = x0 + (flip ? crop - 1 - x : x);
          boolean inside = sx >= 0 && sx < side && sy >= 0 && sy < side;
          data[(c * crop + y) * crop + x] =
              inside ? lut[c][px[c * plane + sy * side + sx] & 0xFF] : zero;
        }
      }
    }
    return new Clip(data, 3, 1, crop, crop);
  }

  private static MappedByteBuffer map(Path bin) {
    if (bin == null) throw new IllegalArgumentException("CIFAR sample has no .bin path");
    try (FileChannel ch = FileChannel.open(bin, StandardOpenOption.READ)) {
      return ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot map " + bin, e);
    }
  }
}

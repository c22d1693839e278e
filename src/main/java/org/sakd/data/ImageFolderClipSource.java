package org.sakd.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Still images (javax.imageio) as one-frame clips: short side resized (bilinear) to {@code
 * spec.shortSide()}, then a random (training) or centre (test) {@code crop x crop} square.
 * Unreadable files raise a {@link VideoDecodeException} with the same reasons as videos, so scans
 * and the trainer treat them alike.
 */
public final class ImageFolderClipSource implements ClipSource {
  private final ClipSpec spec;
  private final float[][] lut;

  public ImageFolderClipSource(ClipSpec spec) {
    this.spec = spec;
    this.lut = spec.normalisationTables();
  }

  @Override
  public Clip load(Sample s, boolean train, long seed) {
    BufferedImage img = read(s.path());
    int w = img.getWidth(), h = img.getHeight(), shortSide = spec.shortSide();
    int sw = w <= h ? shortSide : (int) Math.round((double) w * shortSide / h);
    int sh = h < w ? shortSide : (int) Math.round((double) h * shortSide / w);
    BufferedImage scaled = new BufferedImage(sw, sh, BufferedImage.TYPE_3BYTE_BGR);
    Graphics2D g = scaled.createGraphics();
    g.setRenderingHint(
        RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
    g.drawImage(img, 0, 0, sw, sh, null);
    g.dispose();
    int crop = spec.crop();
    Random rng = new Random(seed);
    int x0 = train ? rng.nextInt(sw - crop + 1) : (sw - crop) / 2;
    int y0 = train ? rng.nextInt(sh - crop + 1) : (sh - crop) / 2;
    byte[] bgr = ((DataBufferByte) scaled.getRaster().getDataBuffer()).getData();
    int plane = crop * crop;
    float[] data = new float[3 * plane];
    for (int y = 0; y < crop; y++) {
      for (int x = 0; x < crop; x++) {
        int p = ((y0 + y) * sw + x0 + x) * 3;
        int o = y * crop + x;
        data[o] = lut[0][bgr[p + 2] & 0xFF];
        data[plane + o] = lut[1][bgr[p + 1] & 0xFF];
        data[2 * plane + o] = lut[2][bgr[p] & 0xFF];
      }
    }
    return new Clip(data, 3, 1, crop, crop);
  }

  /** Reads an image or throws a {@link VideoDecodeException} naming why not. */
  static BufferedImage read(Path path) {
    if (path == null || !Files.exists(path))
      throw new VideoDecodeException(path, VideoDecodeException.Reason.MISSING, "no such file");
    try {
      if (Files.size(path) == 0)
        throw new VideoDecodeException(path, VideoDecodeException.Reason.EMPTY_FILE, "0 bytes");
      BufferedImage img = ImageIO.read(path.toFile());
      if (img == null)
        throw new VideoDecodeException(
            path, VideoDecodeException.Reason.UNREADABLE, "no image reader accepts it");
      return img;
    } catch (IOException e) {
      throw new VideoDecodeException(
          path, VideoDecodeException.Reason.UNREADABLE, e.getMessage(), e);
    }
  }
}

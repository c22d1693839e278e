package org.sakd.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CIFAR-100 binary and image-folder indexes and their clip sources. */
class ImageDatasetsTest {
  @TempDir Path root;

  /**
   * Record i: fine label i*7 % 100, R plane = i, G plane = x coordinate, B plane = y coordinate.
   */
  private static byte[] cifarBin(int records) {
    byte[] b = new byte[records * Cifar100Index.RECORD_BYTES];
    for (int i = 0; i < records; i++) {
      int o = i * Cifar100Index.RECORD_BYTES;
      b[o] = (byte) (i % 20);
      b[o + 1] = (byte) (i * 7 % 100);
      for (int y = 0; y < 32; y++) {
        for (int x = 0; x < 32; x++) {
          b[o + 2 + y * 32 + x] = (byte) i;
          b[o + 2 + 1024 + y * 32 + x] = (byte) (x * 8);
          b[o + 2 + 2048 + y * 32 + x] = (byte) (y * 8);
        }
      }
    }
    return b;
  }

  @Test
  void cifarIndexAndClips() throws IOException {
    Files.write(root.resolve("train.bin"), cifarBin(5));
    Files.write(root.resolve("test.bin"), cifarBin(3));
    DatasetIndex idx = Datasets.open("cifar100", root, Map.of());
    assertEquals(100, idx.numClasses());
    assertEquals("class_07", idx.classes().get(7));
    assertEquals(5, idx.train().size());
    assertEquals(3 * 7 % 100, idx.train().get(3).label());
    assertEquals("test/2", idx.test().get(2).id());

    ClipSpec spec = new ClipSpec(1, 1, 32, 32, new float[] {0, 0, 0}, new float[] {1, 1, 1});
    ClipSource src = ClipSources.forIndex(idx, spec);
    Clip test = src.load(idx.train().get(3), false, 0);
    assertArrayEquals(new long[] {3, 1, 32, 32}, test.shape());
    assertEquals(3 / 255f, test.at(0, 0, 5, 5), 1e-6);
    assertEquals(10 * 8 / 255f, test.at(1, 0, 4, 10), 1e-6, "test clip is the image as is");
    assertEquals(4 * 8 / 255f, test.at(2, 0, 4, 10), 1e-6);

    boolean shifted = false;
    for (long seed = 0; seed < 20; seed++) {
      Clip a = src.load(idx.train().get(3), true, seed);
      assertArrayEquals(
          a.data(), src.load(idx.train().get(3), true, seed).data(), "same seed, same crop");
      shifted |= !Arrays.equals(a.data(), test.data());
      for (float v : a.data()) assertTrue(v >= 0 && v <= 1, "values in 0..1");
    }
    assertTrue(shifted, "training crops move the image");
  }

  @Test
  void cifarNamesFileAndTruncatedBinary() throws IOException {
    byte[] bin = cifarBin(2);
    Files.write(root.resolve("train.bin"), Arrays.copyOf(bin, bin.length - 100));
    Files.write(root.resolve("test.bin"), bin);
    StringBuilder names = new StringBuilder();
    for (int i = 0; i < 100; i++) names.append("name").append(i).append("\r\n");
    Files.writeString(root.resolve("fine_label_names.txt"), names);
    DatasetIndex idx = Cifar100Index.load(root);
    assertEquals("name42", idx.classes().get(42));
    assertEquals(1, idx.train().size());
    assertEquals(1, idx.problems().size(), idx.problems().toString());
    assertThrows(IllegalArgumentException.class, () -> Cifar100Index.load(root.resolve("nowhere")));
  }

  @Test
  void imageFolderIndexAndClips() throws IOException {
    writeImage(root.resolve("train/cat/a.png"), 40, 30);
    writeImage(root.resolve("train/cat/b.jpg"), 30, 40);
    writeImage(root.resolve("train/ant/c.png"), 50, 50);
    Files.writeString(root.resolve("train/ant/notes.txt"), "not an image");
    writeImage(root.resolve("val/cat/d.png"), 40, 30);
    writeImage(root.resolve("val/dog/e.png"), 40, 30);
    DatasetIndex idx = Datasets.open("imagefolder", root, Map.of());
    assertEquals(List.of("ant", "cat"), idx.classes());
    assertEquals(3, idx.train().size());
    assertEquals(1, idx.test().size());
    assertEquals(1, idx.test().get(0).label());
    assertTrue(idx.problems().get(0).contains("dog"), idx.problems().toString());

    ClipSpec spec = ClipSpec.of(4, 2, 24, 20);
    ClipSource src = ClipSources.forIndex(idx, spec);
    Clip c = src.load(idx.train().get(1), false, 0);
    assertArrayEquals(new long[] {3, 1, 20, 20}, c.shape());
    Clip t1 = src.load(idx.train().get(1), true, 5);
    assertArrayEquals(t1.data(), src.load(idx.train().get(1), true, 5).data());
    assertNotEquals(0f, t1.at(0, 0, 3, 3));
  }

  private static void writeImage(Path p, int w, int h) throws IOException {
    Files.createDirectories(p.getParent());
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    for (int y = 0; y < h; y++)
      for (int x = 0; x < w; x++) img.setRGB(x, y, (x * 5) << 16 | (y * 5) << 8 | 128);
    ImageIO.write(img, p.toString().endsWith(".png") ? "png" : "jpg", p.toFile());
  }
}

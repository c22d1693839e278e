package org.sakd.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * CIFAR-100 binary version (Krizhevsky, 2009): {@code train.bin} and {@code test.bin}, each a run
 * of 3074-byte records: coarse label, fine label, then 32x32 R, G and B planes. The 100 fine labels
 * are the classes, named from {@code fine_label_names.txt} when present. A sample's path is its
 * .bin file and its index the record number; {@link CifarClipSource} reads the pixels from there
 * through a memory map.
 */
public final class Cifar100Index {
  static final int SIDE = 32;
  static final int RECORD_BYTES = 2 + 3 * SIDE * SIDE;
  static final int CLASSES = 100;

  private Cifar100Index() {}

  public static DatasetIndex load(Path root) {
    if (!Files.isDirectory(root))
      throw new IllegalArgumentException("CIFAR-100 folder not found: " + root);
    List<String> problems = new ArrayList<>();
    List<Sample> train = split(root.resolve("train.bin"), "train", problems);
    List<Sample> test = split(root.resolve("test.bin"), "test", problems);
    return new DatasetIndex("cifar100", classNames(root, problems), train, test, problems);
  }

  private static List<String> classNames(Path root, List<String> problems) {
    Path names = root.resolve("fine_label_names.txt");
    List<String> classes = new ArrayList<>();
    if (Files.isRegularFile(names)) {
      for (ListLines.Line l : ListLines.read(names).lines()) classes.add(l.text());
      if (classes.size() == CLASSES) return classes;
      problems.add(
          names
              + " lists "
              + classes.size()
              + " names, expected "
              + CLASSES
              + "; using class_00..class_99");
      classes.clear();
    }
    for (int i = 0; i < CLASSES; i++) classes.add(String.format("class_%02d", i));
    return classes;
  }

  private static List<Sample> split(Path bin, String name, List<String> problems) {
    if (!Files.isRegularFile(bin)) {
      throw new IllegalArgumentException(
          "CIFAR-100 file not found: "
              + bin
              + " (expected the binary version: train.bin, test.bin)");
    }
    List<Sample> samples = new ArrayList<>();
    try (FileChannel ch = FileChannel.open(bin, StandardOpenOption.READ)) {
      long size = ch.size();
      if (size % RECORD_BYTES != 0) {
        problems.add(
            bin
                + " is "
                + size
                + " bytes, not a multiple of "
                + RECORD_BYTES
                + "; the last partial record is ignored (truncated download?)");
      }
      int records = (int) (size / RECORD_BYTES);
      MappedByteBuffer map =
          ch.map(FileChannel.MapMode.READ_ONLY, 0, (long) records * RECORD_BYTES);
      for (int i = 0; i < records; i++) {
        int fine = map.get(i * RECORD_BYTES + 1) & 0xFF;
        if (fine >= CLASSES) {
          throw new ListFormatException(
              bin, 0, "record " + i + " has fine label " + fine + " (must be < 100)");
        }
        samples.add(new Sample(i, name + "/" + i, bin, fine));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + bin, e);
    }
    return samples;
  }
}

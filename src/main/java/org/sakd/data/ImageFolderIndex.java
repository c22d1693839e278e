package org.sakd.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * ImageNet-style folders: {@code <root>/train/<class>/*.JPEG|jpg|jpeg|png} and {@code
 * <root>/val/<class>/...}; classes are the sorted training folder names. A validation folder for a
 * class absent from training is a problem that is reported and its images left out, because they
 * could never be scored correctly.
 */
public final class ImageFolderIndex {
  private ImageFolderIndex() {}

  public static DatasetIndex load(Path root) {
    Path trainDir = root.resolve("train");
    Path valDir = root.resolve("val");
    if (!Files.isDirectory(trainDir))
      throw new IllegalArgumentException("image folder has no train/ folder: " + root);
    if (!Files.isDirectory(valDir))
      throw new IllegalArgumentException("image folder has no val/ folder: " + root);
    List<String> classes = subfolders(trainDir);
    if (classes.isEmpty()) throw new IllegalArgumentException("no class folders in " + trainDir);
    Map<String, Integer> byName = new HashMap<>();
    for (int i = 0; i < classes.size(); i++) byName.put(classes.get(i), i);
    List<String> problems = new ArrayList<>();
    return new DatasetIndex(
        "imagefolder",
        classes,
        images(root, trainDir, classes, byName, problems),
        images(root, valDir, subfolders(valDir), byName, problems),
        problems);
  }

  private static List<Sample> images(
      Path root,
      Path dir,
      List<String> folders,
      Map<String, Integer> byName,
      List<String> problems) {
    List<Sample> samples = new ArrayList<>();
    for (String folder : folders) {
      Integer label = byName.get(folder);
      if (label == null) {
        problems.add(
            "class folder "
                + dir.resolve(folder)
                + " has no training counterpart; its images are not used");
        continue;
      }
      List<Path> files;
      try (Stream<Path> s = Files.list(dir.resolve(folder))) {
        files = s.filter(ImageFolderIndex::isImage).sorted().toList();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list " + dir.resolve(folder), e);
      }
      if (files.isEmpty()) problems.add("class folder " + dir.resolve(folder) + " holds no images");
      for (Path f : files) {
        samples.add(
            new Sample(samples.size(), root.relativize(f).toString().replace('\\', '/'), f, label));
      }
    }
    return samples;
  }

  static boolean isImage(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    return Files.isRegularFile(p)
        && (n.endsWith(".jpeg") || n.endsWith(".jpg") || n.endsWith(".png"));
  }

  private static List<String> subfolders(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(Files::isDirectory).map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }
}

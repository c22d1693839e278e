package org.sakd.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Opens a dataset by format name. Options read (all optional; relative paths resolve against {@code
 * root}):
 *
 * <ul>
 *   <li>{@code ucf101}: {@code splits} folder with classInd.txt (default: ucfTrainTestlist/ beside,
 *       then inside root), {@code split} 1..3 (default 1).
 *   <li>{@code synthetic}: root as written by {@link SyntheticActions} (videos/ and
 *       ucfTrainTestlist/ inside); {@code split} as for ucf101.
 *   <li>{@code kinetics}: {@code train_list}, {@code val_list} (default {@code
 *       annotations/train.csv} and {@code annotations/val.csv}, else {@code train.csv} / {@code
 *       val.csv} in root); files ending in .csv are read as the official CSV, others as {@code path
 *       label} lists with the optional {@code classes} file.
 *   <li>{@code ssv2}: {@code annotations} folder with the something-something-v2-*.json files
 *       (default {@code annotations/} inside root, else root itself); videos {@code {id}.webm} in
 *       root.
 *   <li>{@code cifar100}: root holds train.bin, test.bin (and fine_label_names.txt).
 *   <li>{@code imagefolder}: root holds train/ and val/.
 * </ul>
 */
public final class Datasets {
  public static final List<String> FORMATS =
      List.of("ucf101", "kinetics", "ssv2", "cifar100", "imagefolder", "synthetic");

  private Datasets() {}

  public static DatasetIndex open(String format, Path root, Map<String, String> options) {
    if (format == null || !FORMATS.contains(format)) {
      throw new IllegalArgumentException(
          "unknown dataset format '" + format + "'; allowed: " + String.join(", ", FORMATS));
    }
    Map<String, String> opts = options == null ? Map.of() : options;
    return switch (format) {
      case "ucf101" -> Ucf101Index.load(root, path(root, opts.get("splits")), split(opts));
      case "synthetic" -> {
        Path videos = Files.isDirectory(root.resolve("videos")) ? root.resolve("videos") : root;
        Path splits = path(root, opts.get("splits"));
        yield Ucf101Index.load("synthetic", videos, splits, split(opts));
      }
      case "kinetics" -> {
        Path train = path(root, opts.get("train_list"));
        Path val = path(root, opts.get("val_list"));
        if (train == null)
          train = firstExisting(root.resolve("annotations/train.csv"), root.resolve("train.csv"));
        if (val == null) {
          val =
              firstExisting(
                  root.resolve("annotations/val.csv"),
                  root.resolve("annotations/validate.csv"),
                  root.resolve("val.csv"),
                  root.resolve("validate.csv"));
        }
        yield train.getFileName().toString().endsWith(".csv")
            ? KineticsIndex.loadCsv(root, train, val)
            : KineticsIndex.loadList(root, train, val, path(root, opts.get("classes")));
      }
      case "ssv2" -> {
        Path ann = path(root, opts.get("annotations"));
        if (ann == null)
          ann = Files.isDirectory(root.resolve("annotations")) ? root.resolve("annotations") : root;
        yield Ssv2Index.load(root, ann);
      }
      case "cifar100" -> Cifar100Index.load(root);
      case "imagefolder" -> ImageFolderIndex.load(root);
      default -> throw new AssertionError(format);
    };
  }

  private static int split(Map<String, String> opts) {
    String s = opts.getOrDefault("split", "1").strip();
    try {
      return Integer.parseInt(s);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("option 'split' must be 1, 2 or 3, got '" + s + "'");
    }
  }

  private static Path path(Path root, String value) {
    if (value == null || value.isBlank()) return null;
    return root.resolve(value.strip());
  }

  private static Path firstExisting(Path... candidates) {
    for (Path p : candidates) if (Files.isRegularFile(p)) return p;
    throw new IllegalArgumentException(
        "none of " + List.of(candidates) + " exists; set options train_list/val_list");
  }
}

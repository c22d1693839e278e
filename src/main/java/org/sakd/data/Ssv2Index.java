package org.sakd.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Something-Something V2 (Goyal et al., 2017): videos {@code <root>/{id}.webm}; annotations {@code
 * something-something-v2-{train,validation}.json} (arrays of {@code {id, label, template,
 * placeholders}}) and {@code something-something-v2-labels.json} (template without brackets ->
 * "index"). An entry's class is its template with {@code [} and {@code ]} removed, because the
 * labels file keys templates that way ("Putting [something] on [something]" -> "Putting something
 * on something"). Validation is the test split.
 */
public final class Ssv2Index {
  private Ssv2Index() {}

  public static DatasetIndex load(Path root, Path annotationsDir) {
    if (!Files.isDirectory(root))
      throw new IllegalArgumentException("SSv2 video folder not found: " + root);
    Path labelsFile = annotationsDir.resolve("something-something-v2-labels.json");
    Object labels = JsonText.parse(labelsFile, read(labelsFile));
    if (!(labels instanceof JsonText.JsonObject obj)) {
      throw new ListFormatException(
          labelsFile, 1, "expected an object mapping template -> \"index\"");
    }
    String[] names = new String[obj.fields().size()];
    for (Map.Entry<String, Object> e : obj.fields().entrySet()) {
      int idx;
      try {
        idx = Integer.parseInt(String.valueOf(e.getValue()).replaceAll("\\.0$", ""));
      } catch (NumberFormatException ex) {
        throw new ListFormatException(
            labelsFile, obj.line(), "index of '" + e.getKey() + "' is not an integer");
      }
      if (idx < 0 || idx >= names.length || names[idx] != null) {
        throw new ListFormatException(
            labelsFile,
            obj.line(),
            "index "
                + idx
                + " of '"
                + e.getKey()
                + "' is out of range 0.."
                + (names.length - 1)
                + " or used twice");
      }
      names[idx] = e.getKey();
    }
    List<String> classes = List.of(names);
    List<String> problems = new ArrayList<>();
    FolderListing disk = new FolderListing(false);
    List<Sample> train =
        split(
            root, annotationsDir.resolve("something-something-v2-train.json"), obj, disk, problems);
    List<Sample> test =
        split(
            root,
            annotationsDir.resolve("something-something-v2-validation.json"),
            obj,
            disk,
            problems);
    return new DatasetIndex("ssv2", classes, train, test, problems);
  }

  private static List<Sample> split(
      Path root, Path file, JsonText.JsonObject labels, FolderListing disk, List<String> problems) {
    Object parsed = JsonText.parse(file, read(file));
    if (!(parsed instanceof List<?> entries))
      throw new ListFormatException(file, 1, "expected a JSON array of entries");
    List<Sample> samples = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (Object o : entries) {
      if (!(o instanceof JsonText.JsonObject entry))
        throw new ListFormatException(file, 1, "array holds a non-object entry");
      String id = stringField(file, entry, "id");
      String template = stringField(file, entry, "template");
      String name = template.replace("[", "").replace("]", "");
      Object idx = labels.fields().get(name);
      if (idx == null) {
        throw new ListFormatException(
            file, entry.line(), "template '" + template + "' is not in the labels file");
      }
      int label = Integer.parseInt(String.valueOf(idx).replaceAll("\\.0$", ""));
      if (!seen.add(id)) {
        problems.add(
            file.getFileName() + ":" + entry.line() + ": duplicate id " + id + " listed once only");
        continue;
      }
      String rel = id + ".webm";
      if (FolderListing.leaves(root, rel)) {
        problems.add(
            file.getFileName()
                + ":"
                + entry.line()
                + ": path leaves the data root "
                + root
                + ": "
                + rel
                + " (not indexed)");
        continue;
      }
      Path found = disk.resolve(root, rel);
      if (found == null || !Files.isRegularFile(found)) {
        found = root.resolve(rel);
        problems.add(
            "missing file " + found + " (" + file.getFileName() + ":" + entry.line() + ")");
      }
      samples.add(new Sample(samples.size(), rel, found, label));
    }
    return samples;
  }

  private static String stringField(Path file, JsonText.JsonObject entry, String key) {
    Object v = entry.fields().get(key);
    if (v instanceof String s && !s.isBlank()) return s;
    if (v instanceof Double d && d == Math.rint(d)) return Long.toString(d.longValue());
    throw new ListFormatException(file, entry.line(), "entry has no '" + key + "' string");
  }

  private static String read(Path file) {
    if (!Files.isRegularFile(file))
      throw new IllegalArgumentException("SSv2 annotation file not found: " + file);
    try {
      return Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file, e);
    }
  }
}

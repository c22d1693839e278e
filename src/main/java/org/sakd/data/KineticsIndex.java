package org.sakd.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Kinetics (Kay et al., 2017) in its two common on-disk forms.
 *
 * <ul>
 *   <li>The official CSV ({@code label,youtube_id,time_start,time_end,split}, header first, columns
 *       found by name) with clips named {@code {youtube_id}_{start:06d}_{end:06d}.mp4} under {@code
 *       <root>/<split>/}, inside a {@code <label>/} folder (spaces kept or turned into underscores)
 *       or directly.
 *   <li>The mmaction-style list {@code relative/path.mp4 <label>} with 0-based integer labels and
 *       an optional classes file (one name per line, line i = label i-1).
 * </ul>
 */
public final class KineticsIndex {
  private KineticsIndex() {}

  /** Classes are the sorted unique labels of the training CSV. */
  public static DatasetIndex loadCsv(Path root, Path trainCsv, Path valCsv) {
    if (!Files.isDirectory(root))
      throw new IllegalArgumentException("Kinetics root folder not found: " + root);
    List<CsvRow> trainRows = readCsv(ListLines.read(trainCsv), "train");
    List<CsvRow> valRows = readCsv(ListLines.read(valCsv), "val");
    TreeSet<String> labels = new TreeSet<>();
    for (CsvRow r : trainRows) labels.add(r.label);
    List<String> classes = new ArrayList<>(labels);
    Map<String, Integer> byName = new HashMap<>();
    for (int i = 0; i < classes.size(); i++) byName.put(classes.get(i), i);
    FolderListing disk = new FolderListing(false);
    List<String> problems = new ArrayList<>();
    return new DatasetIndex(
        "kinetics",
        classes,
        csvSamples(root, trainRows, byName, disk, problems),
        csvSamples(root, valRows, byName, disk, problems),
        problems);
  }

  /**
   * @param classesFile one class name per line; null to name classes {@code class_000}.. up to the
   *     largest label
   */
  public static DatasetIndex loadList(Path root, Path trainList, Path valList, Path classesFile) {
    if (!Files.isDirectory(root))
      throw new IllegalArgumentException("Kinetics root folder not found: " + root);
    ListLines trainLines = ListLines.read(trainList);
    ListLines valLines = ListLines.read(valList);
    List<String> classes = new ArrayList<>();
    if (classesFile != null) {
      for (ListLines.Line l : ListLines.read(classesFile).lines()) classes.add(l.text());
    }
    FolderListing disk = new FolderListing(false);
    List<String> problems = new ArrayList<>();
    List<ListEntry> train = parseList(trainLines, classes, classesFile != null);
    List<ListEntry> val = parseList(valLines, classes, classesFile != null);
    if (classesFile == null) {
      int max = -1;
      for (ListEntry e : train) max = Math.max(max, e.label());
      for (ListEntry e : val) max = Math.max(max, e.label());
      for (int i = 0; i <= max; i++) classes.add(String.format("class_%03d", i));
    }
    return new DatasetIndex(
        "kinetics",
        classes,
        listSamples(root, trainLines, train, disk, problems),
        listSamples(root, valLines, val, disk, problems),
        problems);
  }

  private record ListEntry(String rel, int label, int line) {}

  private record CsvRow(
      ListLines list,
      ListLines.Line line,
      String label,
      String youtubeId,
      int start,
      int end,
      String split) {}

  private static List<CsvRow> readCsv(ListLines list, String defaultSplit) {
    if (list.lines().isEmpty())
      throw new ListFormatException(list.file(), 0, "empty CSV, expected a header line");
    ListLines.Line headerLine = list.lines().get(0);
    List<String> header = splitCsv(list, headerLine);
    int label = header.indexOf("label"), id = header.indexOf("youtube_id");
    int start = header.indexOf("time_start"),
        end = header.indexOf("time_end"),
        split = header.indexOf("split");
    if (label < 0 || id < 0 || start < 0 || end < 0) {
      throw list.error(
          headerLine, "header must name label, youtube_id, time_start, time_end (and split)");
    }
    List<CsvRow> rows = new ArrayList<>();
    for (ListLines.Line line : list.lines().subList(1, list.lines().size())) {
      List<String> f = splitCsv(list, line);
      if (f.size() != header.size()) {
        throw list.error(
            line, "expected " + header.size() + " comma-separated fields, found " + f.size());
      }
      String lab = f.get(label).strip();
      String yid = f.get(id).strip();
      if (lab.isEmpty() || yid.isEmpty()) throw list.error(line, "empty label or youtube_id");
      String sp = split >= 0 && !f.get(split).isBlank() ? f.get(split).strip() : defaultSplit;
      rows.add(
          new CsvRow(
              list,
              line,
              lab,
              yid,
              seconds(list, line, f.get(start)),
              seconds(list, line, f.get(end)),
              sp));
    }
    return rows;
  }

  private static int seconds(ListLines list, ListLines.Line line, String token) {
    try {
      double v = Double.parseDouble(token.strip());
      if (v < 0 || v != Math.rint(v))
        throw list.error(line, "time '" + token + "' must be a whole number of seconds");
      return (int) v;
    } catch (NumberFormatException e) {
      throw list.error(line, "time '" + token + "' is not a number");
    }
  }

  /** Splits one CSV line, honouring double quotes (some Kinetics releases quote every label). */
  private static List<String> splitCsv(ListLines list, ListLines.Line line) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    boolean quoted = false;
    String s = line.text();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < s.length() && s.charAt(i + 1) == '"') {
          cur.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          cur.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        out.add(cur.toString());
        cur.setLength(0);
      } else {
        cur.append(c);
      }
    }
    if (quoted) throw list.error(line, "unterminated quote");
    out.add(cur.toString());
    return out;
  }

  private static List<Sample> csvSamples(
      Path root,
      List<CsvRow> rows,
      Map<String, Integer> byName,
      FolderListing disk,
      List<String> problems) {
    List<Sample> samples = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (CsvRow r : rows) {
      Integer label = byName.get(r.label);
      if (label == null)
        throw r.list.error(r.line, "label '" + r.label + "' does not occur in the training CSV");
      String file = String.format("%s_%06d_%06d.mp4", r.youtubeId, r.start, r.end);
      String[] candidates = {
        r.split + "/" + r.label + "/" + file,
        r.split + "/" + r.label.replace(' ', '_') + "/" + file,
        r.split + "/" + file
      };
      if (FolderListing.leaves(root, candidates[0]) || FolderListing.leaves(root, candidates[2])) {
        problems.add(
            r.list.file().getFileName()
                + ":"
                + r.line.number()
                + ": path leaves the data root "
                + root
                + ": "
                + candidates[0]
                + " (not indexed)");
        continue;
      }
      String rel = null;
      Path found = null;
      for (String c : candidates) {
        Path p = disk.resolve(root, c);
        if (p != null && Files.isRegularFile(p)) {
          rel = c;
          found = p;
          break;
        }
      }
      if (found == null) {
        rel = candidates[0];
        found = root.resolve(rel);
        problems.add(
            "missing file "
                + file
                + " under "
                + root.resolve(r.split)
                + " (with or without label folder; "
                + r.list.file().getFileName()
                + ":"
                + r.line.number()
                + ")");
      }
      if (!seen.add(rel)) {
        problems.add(
            r.list.file().getFileName()
                + ":"
                + r.line.number()
                + ": duplicate clip "
                + rel
                + " listed once only");
        continue;
      }
      samples.add(new Sample(samples.size(), rel, found, label));
    }
    return samples;
  }

  private static List<ListEntry> parseList(
      ListLines list, List<String> classes, boolean classesKnown) {
    List<ListEntry> entries = new ArrayList<>();
    for (ListLines.Line line : list.lines()) {
      String text = line.text();
      int cut = Math.max(text.lastIndexOf(' '), text.lastIndexOf('\t'));
      if (cut <= 0) throw list.error(line, "expected '<relative/path.mp4> <label>'");
      String rel = text.substring(0, cut).strip().replace('\\', '/');
      int label = Ucf101Index.parseInt(list, line, text.substring(cut + 1), "label");
      if (label < 0) throw list.error(line, "label must be >= 0 (labels are 0-based)");
      if (classesKnown && label >= classes.size()) {
        throw list.error(
            line,
            "label " + label + " but the classes file lists only " + classes.size() + " classes");
      }
      entries.add(new ListEntry(rel, label, line.number()));
    }
    return entries;
  }

  private static List<Sample> listSamples(
      Path root,
      ListLines list,
      List<ListEntry> entries,
      FolderListing disk,
      List<String> problems) {
    List<Sample> samples = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (ListEntry e : entries) {
      String rel = e.rel();
      if (!seen.add(rel)) {
        problems.add(
            list.file().getFileName()
                + ":"
                + e.line()
                + ": duplicate clip "
                + rel
                + " listed once only");
        continue;
      }
      if (FolderListing.leaves(root, rel)) {
        problems.add(
            list.file().getFileName()
                + ":"
                + e.line()
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
            "missing file " + found + " (" + list.file().getFileName() + ":" + e.line() + ")");
      }
      samples.add(new Sample(samples.size(), rel, found, e.label()));
    }
    return samples;
  }
}

package org.sakd.data;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * UCF101 (Soomro et al., 2012) in its distributed layout: {@code
 * <root>/<Class>/v_<Class>_gGG_cCC.avi} and the split lists {@code classInd.txt} ({@code 1
 * ApplyEyeMakeup}), {@code trainlist0N.txt} ({@code Class/file.avi 1}, 1-based labels) and {@code
 * testlist0N.txt} (path only; the label comes from the class folder). Class names and file paths
 * are matched case-insensitively, because the official lists and folders disagree on case for some
 * classes ({@code HandStandPushups} vs {@code HandstandPushups}).
 */
public final class Ucf101Index {
  private Ucf101Index() {}

  /**
   * @param root folder holding one sub-folder per class
   * @param splitsDir folder holding the lists; null to look for {@code ucfTrainTestlist/} beside
   *     root, then inside it
   * @param split 1, 2 or 3
   */
  public static DatasetIndex load(Path root, Path splitsDir, int split) {
    return load("ucf101", root, splitsDir, split);
  }

  static DatasetIndex load(String format, Path root, Path splitsDir, int split) {
    if (split < 1 || split > 9)
      throw new IllegalArgumentException("UCF101 split must be 1..3, got " + split);
    if (!Files.isDirectory(root))
      throw new IllegalArgumentException("UCF101 video folder not found: " + root);
    Path lists = splitsDir != null ? splitsDir : findSplitsDir(root);
    List<String> classes = readClassInd(ListLines.read(lists.resolve("classInd.txt")));
    Map<String, Integer> byName = new HashMap<>();
    for (int i = 0; i < classes.size(); i++) byName.put(classes.get(i).toLowerCase(Locale.ROOT), i);

    FolderListing disk = new FolderListing(true);
    List<String> problems = new ArrayList<>();
    List<Sample> train =
        readSplit(
            ListLines.read(lists.resolve(String.format("trainlist%02d.txt", split))),
            true,
            root,
            classes,
            byName,
            disk,
            problems);
    List<Sample> test =
        readSplit(
            ListLines.read(lists.resolve(String.format("testlist%02d.txt", split))),
            false,
            root,
            classes,
            byName,
            disk,
            problems);
    return new DatasetIndex(format, classes, train, test, problems);
  }

  private static Path findSplitsDir(Path root) {
    Path parent = root.toAbsolutePath().getParent();
    Path beside = parent == null ? null : parent.resolve("ucfTrainTestlist");
    if (beside != null && Files.isDirectory(beside)) return beside;
    Path inside = root.resolve("ucfTrainTestlist");
    if (Files.isDirectory(inside)) return inside;
    throw new IllegalArgumentException(
        "no ucfTrainTestlist/ folder beside or inside "
            + root
            + "; pass the folder holding classInd.txt explicitly (option 'splits')");
  }

  private static List<String> readClassInd(ListLines list) {
    TreeMap<Integer, String> byNumber = new TreeMap<>();
    for (ListLines.Line line : list.lines()) {
      String[] t = line.tokens();
      if (t.length != 2) throw list.error(line, "expected '<number> <ClassName>'");
      int number = parseInt(list, line, t[0], "class number");
      if (byNumber.put(number, t[1]) != null)
        throw list.error(line, "class number " + number + " appears twice");
    }
    if (byNumber.isEmpty()) throw new ListFormatException(list.file(), 0, "no classes listed");
    int expected = 1;
    for (Map.Entry<Integer, String> e : byNumber.entrySet()) {
      if (e.getKey() != expected) {
        throw new ListFormatException(
            list.file(),
            0,
            "class numbers must run 1.." + byNumber.size() + " without gaps; missing " + expected);
      }
      expected++;
    }
    return new ArrayList<>(byNumber.values());
  }

  private static List<Sample> readSplit(
      ListLines list,
      boolean labelled,
      Path root,
      List<String> classes,
      Map<String, Integer> byName,
      FolderListing disk,
      List<String> problems) {
    List<Sample> samples = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (ListLines.Line line : list.lines()) {
      String[] t = line.tokens();
      if (t.length > 2 || (!labelled && t.length != 1)) {
        throw list.error(
            line,
            labelled ? "expected '<Class>/<file>.avi <label>'" : "expected '<Class>/<file>.avi'");
      }
      String rel = t[0].replace('\\', '/');
      int slash = rel.indexOf('/');
      if (slash <= 0 || slash == rel.length() - 1)
        throw list.error(line, "path must be '<Class>/<file>'");
      String folder = rel.substring(0, slash);
      Integer folderClass = byName.get(folder.toLowerCase(Locale.ROOT));
      if (folderClass == null)
        throw list.error(line, "class folder '" + folder + "' is not in classInd.txt");
      int label = folderClass;
      if (t.length == 2) {
        int given = parseInt(list, line, t[1], "label");
        if (given < 1 || given > classes.size()) {
          throw list.error(line, "label " + given + " outside 1.." + classes.size());
        }
        if (given - 1 != folderClass) {
          throw list.error(
              line,
              "label "
                  + given
                  + " ("
                  + classes.get(given - 1)
                  + ") disagrees with folder "
                  + folder
                  + " ("
                  + (folderClass + 1)
                  + ")");
        }
        label = given - 1;
      }
      String key = rel.toLowerCase(Locale.ROOT);
      if (!seen.add(key)) {
        problems.add(
            list.file().getFileName()
                + ":"
                + line.number()
                + ": duplicate entry "
                + rel
                + " listed once only");
        continue;
      }
      if (FolderListing.leaves(root, rel)) {
        problems.add(
            list.file().getFileName()
                + ":"
                + line.number()
                + ": path leaves the data root "
                + root
                + ": "
                + rel
                + " (not indexed)");
        continue;
      }
      Path found = disk.resolve(root, rel);
      if (found == null || !Files.isRegularFile(found)) {
        problems.add(
            "missing file "
                + root.resolve(rel)
                + " ("
                + list.file().getFileName()
                + ":"
                + line.number()
                + ")");
        found = root.resolve(rel);
      }
      samples.add(new Sample(samples.size(), rel, found, label));
    }
    return samples;
  }

  static int parseInt(ListLines list, ListLines.Line line, String token, String what) {
    try {
      return Integer.parseInt(token);
    } catch (NumberFormatException e) {
      throw list.error(line, what + " '" + token + "' is not an integer");
    }
  }
}

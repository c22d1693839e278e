package org.sakd.data;

import java.util.List;

/**
 * A dataset's class list and its two splits.
 *
 * @param format the {@link Datasets} format name it was loaded as
 * @param classes class names; a sample's label indexes this list
 * @param train training samples, {@code train.get(i).index() == i}
 * @param test test / validation samples, same convention
 * @param problems human-readable issues found while indexing (missing files, duplicates); the
 *     affected samples stay listed so that a scan or the trainer can report them, they are never
 *     dropped silently
 */
public record DatasetIndex(
    String format,
    List<String> classes,
    List<Sample> train,
    List<Sample> test,
    List<String> problems) {
  public DatasetIndex {
    classes = List.copyOf(classes);
    train = List.copyOf(train);
    test = List.copyOf(test);
    problems = List.copyOf(problems);
    checkSplit("train", train, classes.size());
    checkSplit("test", test, classes.size());
  }

  /**
   * SHA-256 (hex) of what a run's selections and checkpoints refer to: the class names in label
   * order and both splits' sample ids and labels in index order. A resume compares it, so a run
   * never continues over lists that changed under it.
   */
  public static String fingerprint(List<String> classes, List<Sample> train, List<Sample> test) {
    try {
      java.security.MessageDigest d = java.security.MessageDigest.getInstance("SHA-256");
      StringBuilder b = new StringBuilder();
      b.append("classes\n");
      classes.forEach(c -> b.append(c).append('\n'));
      for (var split : List.of(train, test)) {
        b.append(split == train ? "train\n" : "test\n");
        split.forEach(s -> b.append(s.id()).append('\t').append(s.label()).append('\n'));
      }
      return java.util.HexFormat.of()
          .formatHex(d.digest(b.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("the JDK has no SHA-256", e);
    }
  }

  /** {@link #fingerprint(List, List, List)} of this index. */
  public String fingerprint() {
    return fingerprint(classes, train, test);
  }

  private static void checkSplit(String split, List<Sample> samples, int classCount) {
    for (int i = 0; i < samples.size(); i++) {
      Sample s = samples.get(i);
      if (s.index() != i) {
        throw new IllegalArgumentException(
            split + " sample " + s.id() + " has index " + s.index() + " but sits at " + i);
      }
      if (s.label() >= classCount) {
        throw new IllegalArgumentException(
            split
                + " sample "
                + s.id()
                + " has label "
                + s.label()
                + " but there are only "
                + classCount
                + " classes");
      }
    }
  }

  public int numClasses() {
    return classes.size();
  }
}

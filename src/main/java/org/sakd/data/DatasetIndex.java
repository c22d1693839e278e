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

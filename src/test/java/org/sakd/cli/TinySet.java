package org.sakd.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The command-line tests' tiny generated set: 3 classes, 18 training and 6 test clips of 12 frames
 * at 48×32, 32² crops, batches of 4, run folders under {@code dir/runs}. Each test adds its own
 * models and clip length.
 */
final class TinySet {
  private TinySet() {}

  /** {@code --set} arguments for the tiny set in {@code dir}, then each of {@code more}. */
  static List<String> args(Path dir, String... more) {
    List<String> settings =
        new ArrayList<>(
            List.of(
                "run.dir=\"" + dir.resolve("runs") + "\"",
                "data.root=\"" + dir.resolve("data") + "\"",
                "data.synthetic.classes=3",
                "data.synthetic.groups=4",
                "data.synthetic.test-groups=1",
                "data.synthetic.clips-per-group=2",
                "data.synthetic.frames=12",
                "data.synthetic.width=48",
                "data.synthetic.height=32",
                "data.clip.short-side=32",
                "data.clip.crop=32",
                "train.batch-size=4"));
    settings.addAll(List.of(more));
    List<String> out = new ArrayList<>();
    for (String s : settings) {
      out.add("--set");
      out.add(s);
    }
    return out;
  }

  /** Runs {@code sakd command} on the tiny set with {@code settings} and {@code more} arguments. */
  static int run(Path dir, List<String> settings, String command, String... more) {
    List<String> all = new ArrayList<>(List.of(command));
    all.addAll(args(dir, settings.toArray(String[]::new)));
    all.addAll(List.of(more));
    return Main.execute(all.toArray(String[]::new));
  }
}

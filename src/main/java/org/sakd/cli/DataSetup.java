package org.sakd.cli;

import java.nio.file.Path;
import org.sakd.config.Settings;
import org.sakd.data.ClipSpec;
import org.sakd.data.DatasetIndex;
import org.sakd.data.Datasets;
import org.sakd.data.SyntheticActions;
import org.sakd.data.SyntheticSpec;

/**
 * Turns the data settings into an index and a clip spec; generates the synthetic set when it is
 * selected and absent.
 */
final class DataSetup {
  private DataSetup() {}

  static SyntheticSpec syntheticSpec(Settings s) {
    Settings.Synthetic y = s.data().synthetic();
    return new SyntheticSpec(
        y.classes(),
        y.groups(),
        y.clipsPerGroup(),
        y.frames(),
        y.width(),
        y.height(),
        y.fps(),
        s.run().seed(),
        y.container(),
        y.testGroups(),
        y.noise(),
        y.contrast());
  }

  /**
   * The dataset's index as listed (generating the synthetic set first); empty splits allowed (for
   * `scan`).
   */
  static DatasetIndex index(Settings s) {
    Path root = s.data().root();
    if (s.data().format().equals("synthetic")) {
      SyntheticActions.generate(root, syntheticSpec(s));
    }
    return Datasets.open(s.data().format(), root, s.data().options());
  }

  /** The index a training or evaluation job uses: both splits must list at least one clip. */
  static DatasetIndex open(Settings s) {
    Path root = s.data().root();
    DatasetIndex index = index(s);
    // an empty split would train on nothing (loss NaN) or score nothing (Top-1 of no clips), then
    // exit 0
    if (index.train().isEmpty() || index.test().isEmpty()) {
      throw new org.sakd.config.SettingsException(
          "data.root",
          root,
          "a dataset whose "
              + (index.train().isEmpty() ? "training" : "test")
              + " split lists at least one clip ("
              + index.problems().size()
              + " problems found while indexing"
              + (index.problems().isEmpty() ? "" : ", first: " + index.problems().get(0))
              + ")");
    }
    return index;
  }

  static ClipSpec clipSpec(Settings s) {
    Settings.Clip c = s.data().clip();
    return new ClipSpec(c.frames(), c.stride(), c.shortSide(), c.crop(), c.mean(), c.std());
  }
}

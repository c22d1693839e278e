package org.sakd.pipeline;

import ai.djl.ndarray.NDManager;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.sakd.config.Settings;
import org.sakd.data.ClipSource;
import org.sakd.data.ClipSources;
import org.sakd.data.ClipSpec;
import org.sakd.data.DatasetIndex;
import org.sakd.data.Datasets;
import org.sakd.data.SyntheticActions;
import org.sakd.data.SyntheticSpec;
import org.sakd.train.Network;

/** A tiny generated video set and settings that let a whole distillation run in seconds. */
final class TinyRuns {
  final Path root;
  final DatasetIndex index;
  final ClipSource source;
  final byte[] teacher;

  TinyRuns(Path dir) {
    root = dir.resolve("data");
    Settings s = settings(dir, List.of());
    Settings.Synthetic y = s.data().synthetic();
    SyntheticActions.generate(
        root,
        new SyntheticSpec(
            y.classes(),
            y.groups(),
            y.clipsPerGroup(),
            y.frames(),
            y.width(),
            y.height(),
            y.fps(),
            5,
            y.container(),
            y.testGroups()));
    index = Datasets.open("synthetic", root, s.data().options());
    Settings.Clip c = s.data().clip();
    source =
        ClipSources.forIndex(
            index,
            new ClipSpec(c.frames(), c.stride(), c.shortSide(), c.crop(), c.mean(), c.std()));
    try (NDManager m = NDManager.newBaseManager();
        Network t = Network.create("r3d-micro", index.classes().size(), m, 99)) {
      teacher = t.parameterBytes();
    }
  }

  Settings settings(Path dir, List<String> more) {
    List<String> o =
        new ArrayList<>(
            List.of(
                "run.dir=\"" + dir.resolve("runs") + "\"",
                "data.root=\"" + root + "\"",
                "data.synthetic.classes=3",
                "data.synthetic.groups=4",
                "data.synthetic.test-groups=1",
                "data.synthetic.clips-per-group=2",
                "data.synthetic.frames=12",
                "data.synthetic.width=48",
                "data.synthetic.height=32",
                "data.clip.frames=4",
                "data.clip.stride=2",
                "data.clip.short-side=32",
                "data.clip.crop=32",
                "model.teacher=r3d-micro",
                "model.student=r3d-micro",
                "train.epochs=3",
                "train.batch-size=4",
                "train.lr=0.02",
                "train.warmup-epochs=0",
                "eval.batch-size=6",
                "sakd.ratio=0.34",
                "sakd.score-batch-size=6",
                "data.decoders=2"));
    o.addAll(more);
    return Settings.load(null, o);
  }

  DistillRun.Outcome run(Settings s, boolean resume, int stopAfter) {
    return DistillRun.run(
        new DistillRun.Inputs(
            s, index, source, "r3d-micro", teacher, null, s.run().runDir(), resume, stopAfter));
  }
}

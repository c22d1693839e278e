package org.sakd.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.sakd.checkpoint.RunFolder;
import org.sakd.config.Settings;
import org.sakd.data.ClipSources;
import org.sakd.data.DatasetIndex;
import org.sakd.pipeline.SupervisedRun;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "train-teacher",
    mixinStandardHelpOptions = true,
    description =
        "Train a registered model with cross-entropy (the Teacher and Student-alone rows); "
            + "train.model = teacher | student picks model.teacher or model.student.")
final class TrainTeacherCommand implements Callable<Integer> {
  @Mixin SettingsOptions options;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--resume", description = "continue from runs/<name>/checkpoints/last.ckpt")
  boolean resume;

  @Option(names = "--overwrite", description = "replace a finished or stopped run of the same name")
  boolean overwrite;

  @Override
  public Integer call() {
    Settings s = options.load();
    DatasetIndex index = DataSetup.open(s);
    String model = s.train().model().equals("teacher") ? s.model().teacher() : s.model().student();
    // a student trained alone can start from a pre-trained backbone (model.student-init; another
    // class count gets a
    // fresh head), like the distilled students
    byte[] init = s.train().model().equals("student") ? Jobs.studentInit(s) : null;
    SupervisedRun.Result result;
    try (RunFolder f =
            RunFolder.acquire(
                s.run().runDir(), Jobs.mode(resume, overwrite), "run.name", s.run().name());
        StopNotice stop =
            StopNotice.register(
                s.run().runDir(),
                "train-teacher",
                spec.commandLine().getParseResult().originalArgs())) {
      if (resume) {
        Jobs.checkResume(s, index, model, Jobs.TRAIN_KEYS);
      }
      result =
          SupervisedRun.run(
              s,
              index,
              ClipSources.forIndex(index, DataSetup.clipSpec(s)),
              model,
              init,
              s.run().runDir(),
              resume,
              true);
    }
    System.out.printf(
        Locale.ROOT,
        "%s: top1 %.2f  top5 %.2f  (%d test clips, %.1f s/epoch); best checkpoint %s%n",
        result.model(),
        result.top1(),
        result.top5(),
        result.testSamples(),
        result.secondsPerEpoch(),
        result.bestCheckpoint());
    return 0;
  }
}

package org.sakd.cli;

import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.sakd.checkpoint.RunFolder;
import org.sakd.config.Settings;
import org.sakd.data.ClipSources;
import org.sakd.data.DatasetIndex;
import org.sakd.monitor.RunLog;
import org.sakd.monitor.Summary;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "distill",
    mixinStandardHelpOptions = true,
    description =
        "Run one distillation (distill.method = kd|dkd|ctkd|crosskd|dualkd|gkd, distill.mode = "
            + "sakd|vanilla|random) end to end on the actor pipeline; needs model.teacher-checkpoint.")
final class DistillCommand implements Callable<Integer> {
  @Mixin SettingsOptions options;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--resume", description = "continue from runs/<name>/checkpoints/last.ckpt")
  boolean resume;

  @Option(names = "--overwrite", description = "replace a finished or stopped run of the same name")
  boolean overwrite;

  @Override
  public Integer call() {
    return distill(
        options.load(),
        resume,
        overwrite,
        "distill",
        spec.commandLine().getParseResult().originalArgs());
  }

  /**
   * One distillation into its run folder (also a cluster's coordinator node: {@code command} names
   * the command a stopped run's resume line repeats); prints its table.
   */
  static int distill(
      Settings s, boolean resume, boolean overwrite, String command, List<String> args) {
    Jobs.teacherCheckpoint(s); // a missing teacher is a bad setting: fail before any data work
    DatasetIndex index = DataSetup.open(s);
    try (RunFolder f =
            RunFolder.acquire(
                s.run().runDir(), Jobs.mode(resume, overwrite), "run.name", s.run().name());
        StopNotice stop = StopNotice.register(s.run().runDir(), command, args)) {
      if (resume) {
        Jobs.checkResume(s, index, s.model().student(), Jobs.DISTILL_KEYS);
      }
      Map.Entry<org.sakd.monitor.SummaryRow, List<org.sakd.train.EpochRecord>> result;
      if (LocalCluster.applies(s)) {
        try (LocalCluster local = LocalCluster.start(s)) {
          result =
              Jobs.distill(
                  local.settings(),
                  index,
                  ClipSources.forIndex(index, DataSetup.clipSpec(s)),
                  s.run().name(),
                  resume);
        }
      } else {
        result =
            Jobs.distill(
                s,
                index,
                ClipSources.forIndex(index, DataSetup.clipSpec(s)),
                s.run().name(),
                resume);
      }
      RunLog log = new RunLog(s.run().runDir());
      log.write("summary.json", Summary.json(List.of(result.getKey())));
      log.write("summary.md", Summary.markdown(s.run().name(), List.of(result.getKey())));
      System.out.print(Summary.table(List.of(result.getKey())));
    }
    return 0;
  }
}

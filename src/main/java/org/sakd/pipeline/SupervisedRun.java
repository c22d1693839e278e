package org.sakd.pipeline;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.sakd.checkpoint.CheckpointStore;
import org.sakd.config.Settings;
import org.sakd.data.ClipSource;
import org.sakd.data.DatasetIndex;
import org.sakd.data.Sample;
import org.sakd.train.EpochRecord;

/**
 * Cross-entropy training of one registered network (the "Teacher" and "Student alone" rows, the
 * demo's pre-training): {@link DistillRun#supervised}, the distillation pipeline without a teacher,
 * so batching, the last-batch policy, devices, checkpoints (last and best), resume and progress are
 * the distillation run's own.
 */
public final class SupervisedRun {

  public record Result(
      String model,
      double top1,
      double top5,
      long testSamples,
      int epochs,
      double secondsPerEpoch,
      double totalSeconds,
      Map<String, String> skipped,
      Path bestCheckpoint,
      double bestTop1) {}

  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(SupervisedRun.class);

  private SupervisedRun() {}

  /**
   * @param init parameters to start from (a pre-trained network, model.student-init), or null for a
   *     fresh initialisation
   * @param augment true: a new temporal window and crop every epoch (data.train-sampling = random,
   *     as supervised training does by default); false: the run's own data.train-sampling, e.g. the
   *     fixed, cached clips that the distillation runs train on
   */
  public static Result run(
      Settings s,
      DatasetIndex index,
      ClipSource source,
      String model,
      byte[] init,
      Path runDir,
      boolean resume,
      boolean augment) {
    LOG.info(
        "{}: {} train / {} test clips, {} classes",
        model,
        index.train().size(),
        index.test().size(),
        index.classes().size());
    DistillRun.Outcome o =
        DistillRun.supervised(s, index, source, model, init, runDir, resume, augment);
    List<EpochRecord> epochs = o.epochs();
    EpochRecord last = epochs.get(epochs.size() - 1);
    long tested =
        index.test().stream().map(Sample::id).filter(id -> !o.skipped().containsKey(id)).count();
    double total = epochs.stream().mapToDouble(EpochRecord::epochSeconds).sum();
    return new Result(
        model,
        last.top1(),
        last.top5(),
        tested,
        epochs.size(),
        total / epochs.size(),
        total,
        o.skipped(),
        runDir.resolve("checkpoints").resolve(CheckpointStore.BEST),
        epochs.stream().mapToDouble(EpochRecord::top1).max().orElse(last.top1()));
  }
}

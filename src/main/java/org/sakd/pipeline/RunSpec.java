package org.sakd.pipeline;

import java.util.List;
import org.sakd.checkpoint.CheckpointStore;
import org.sakd.config.Settings;
import org.sakd.data.Sample;
import org.sakd.monitor.RunLog;

/**
 * Where the run's inputs and outputs are; {@code supervised}: a run without a teacher
 * (cross-entropy training of {@code studentName}, reported as "supervised").
 */
public record RunSpec(
    Settings settings,
    List<Sample> train,
    List<Sample> test,
    RunLog log,
    CheckpointStore store,
    boolean resume,
    PipelineGauge gauge,
    String studentName,
    int stopAfterEpoch,
    List<String> classNames,
    boolean supervised) {
  /** The number of classes. */
  public int classes() {
    return classNames.size();
  }
}

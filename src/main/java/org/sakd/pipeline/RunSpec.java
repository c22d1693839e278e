package org.sakd.pipeline;

import java.util.List;
import org.sakd.checkpoint.CheckpointStore;
import org.sakd.config.Settings;
import org.sakd.data.Sample;
import org.sakd.monitor.RunLog;

/** Where the run's inputs and outputs are. */
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
    int classes) {}

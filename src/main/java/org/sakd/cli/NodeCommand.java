package org.sakd.cli;

import java.util.concurrent.Callable;
import org.sakd.config.Settings;
import org.sakd.config.SettingsException;
import org.sakd.data.ClipSources;
import org.sakd.data.DatasetIndex;
import org.sakd.pipeline.ClusterRun;
import org.sakd.pipeline.DecoderNode;
import org.sakd.pipeline.TrainerNode;
import org.sakd.proto.CheckpointProto;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "node",
    mixinStandardHelpOptions = true,
    description =
        "Start one node of a cluster run (cluster.* settings; scripts/launch-cluster starts them all): "
            + "--role coordinator runs the distillation with the trainer nodes of cluster.trainers as "
            + "its replicas; --role trainer --index N is entry N of cluster.trainers; --role decoder "
            + "--index N is entry N of cluster.decoders (it decodes the clips of the trainer it names); "
            + "--role monitor is the monitor node at cluster.monitor, which serves the run's dashboard "
            + "and the cluster's membership read-only (monitor.http.host/port).")
final class NodeCommand implements Callable<Integer> {
  @Mixin SettingsOptions options;

  @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

  @Option(names = "--role", description = "coordinator | trainer | decoder | monitor")
  String role;

  @Option(
      names = "--print-layout",
      description =
          "print the layout (one line per node: role, entry, host:port/device, or host:port/trainer "
              + "for a decoder) and the folder for "
              + "node logs, then exit (scripts/launch-cluster reads it)")
  boolean printLayout;

  @Option(
      names = "--index",
      description =
          "a trainer's entry in cluster.trainers, or a decoder's in cluster.decoders (from 0)")
  int index;

  @Option(names = "--resume", description = "coordinator: continue from the last checkpoint")
  boolean resume;

  @Option(names = "--overwrite", description = "coordinator: replace a finished or stopped run")
  boolean overwrite;

  @Override
  public Integer call() {
    Settings s = options.load("cluster.enabled=true");
    if (printLayout) {
      System.out.println(
          "logs " + s.run().dir().resolve(s.run().name() + "-nodes").toAbsolutePath());
      System.out.println("coordinator - " + s.cluster().coordinator());
      for (int i = 0; i < s.cluster().trainers().size(); i++) {
        System.out.println("trainer " + i + " " + s.cluster().trainers().get(i));
      }
      for (int i = 0; i < s.cluster().decoders().size(); i++) {
        System.out.println("decoder " + i + " " + s.cluster().decoders().get(i));
      }
      if (s.cluster().hasMonitor()) {
        System.out.println("monitor - " + s.cluster().monitor());
      }
      return 0;
    }
    if (role == null) {
      throw new SettingsException("--role", "(none)", ROLES);
    }
    switch (role) {
      case "coordinator":
        return DistillCommand.distill(
            s, resume, overwrite, "node", spec.commandLine().getParseResult().originalArgs());
      case "trainer":
        return trainer(s);
      case "decoder":
        return decoder(s);
      case "monitor":
        if (!s.cluster().hasMonitor()) {
          throw new SettingsException(
              "cluster.monitor", "\"\"", "the host:port of the monitor node, for --role monitor");
        }
        org.sakd.pipeline.MonitorNode.run(s);
        return 0;
      default:
        throw new SettingsException("--role", role, ROLES);
    }
  }

  private static final String ROLES = "coordinator, trainer, decoder or monitor";

  private int decoder(Settings s) {
    if (index < 0 || index >= s.cluster().decoders().size()) {
      throw new SettingsException(
          "--index",
          index,
          s.cluster().decoders().isEmpty()
              ? "an entry of cluster.decoders, which is empty"
              : "an entry of cluster.decoders (0.." + (s.cluster().decoders().size() - 1) + ")");
    }
    DatasetIndex data = DataSetup.open(s);
    DecoderNode.Ended e =
        ClusterRun.runDecoder(
            new ClusterRun.DecoderInputs(
                s, data, ClipSources.forIndex(data, DataSetup.clipSpec(s)), index));
    (e.exitCode() == 0 ? System.out : System.err)
        .println("decoder node " + index + ": " + e.reason());
    return e.exitCode();
  }

  private int trainer(Settings s) {
    if (index < 0 || index >= s.cluster().trainers().size()) {
      throw new SettingsException(
          "--index",
          index,
          "an entry of cluster.trainers (0.." + (s.cluster().trainers().size() - 1) + ")");
    }
    CheckpointProto teacher = Jobs.teacherCheckpoint(s);
    DatasetIndex data = DataSetup.open(s);
    TrainerNode.Ended e =
        ClusterRun.runTrainer(
            new ClusterRun.TrainerInputs(
                s,
                data,
                ClipSources.forIndex(data, DataSetup.clipSpec(s)),
                teacher == null ? s.model().teacher() : teacher.getModel(),
                teacher == null ? null : teacher.getParameters().toByteArray(),
                Jobs.studentInit(s),
                index));
    (e.exitCode() == 0 ? System.out : System.err)
        .println("trainer node " + index + ": " + e.reason());
    return e.exitCode();
  }
}

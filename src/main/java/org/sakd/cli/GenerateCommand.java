package org.sakd.cli;

import java.util.concurrent.Callable;
import org.sakd.config.Settings;
import org.sakd.data.SyntheticActions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description =
        "Write the synthetic action set (real encoded videos, UCF101 layout) to data.root.")
final class GenerateCommand implements Callable<Integer> {
  @Mixin SettingsOptions options;

  @Override
  public Integer call() {
    Settings s = options.load();
    var spec = DataSetup.syntheticSpec(s);
    SyntheticActions.generate(s.data().root(), spec);
    System.out.println("synthetic actions in " + s.data().root().toAbsolutePath() + ": " + spec);
    return 0;
  }
}

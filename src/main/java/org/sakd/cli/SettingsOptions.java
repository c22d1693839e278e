package org.sakd.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.sakd.config.Settings;
import picocli.CommandLine.Option;

/** The options every command shares: a recipe file and key=value overrides. */
final class SettingsOptions {
  @Option(
      names = {"-c", "--config"},
      description = "HOCON recipe (e.g. conf/demo.conf); defaults otherwise")
  Path config;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description = "override one setting (repeatable), e.g. --set train.epochs=3")
  List<String> overrides = new ArrayList<>();

  Settings load(String... extra) {
    List<String> all = new ArrayList<>(List.of(extra));
    all.addAll(overrides);
    Settings s = Settings.load(config, all);
    s.applyComputeThreads();
    return s;
  }
}

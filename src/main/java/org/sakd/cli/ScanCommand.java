package org.sakd.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.sakd.config.Settings;
import org.sakd.data.DatasetIndex;
import org.sakd.data.DatasetScanner;
import org.sakd.data.ScanReport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(
    name = "scan",
    mixinStandardHelpOptions = true,
    description =
        "Decode every listed file of the dataset; report missing, unreadable, truncated, zero-frame and "
            + "too-short files with statistics; write a report and a cached index.")
final class ScanCommand implements Callable<Integer> {
  @Mixin SettingsOptions options;

  @Option(names = "--json", description = "print one JSON object instead of the text report")
  boolean json;

  @Option(names = "--out", description = "report folder (default runs/scan-<format>)")
  Path out;

  @Option(
      names = "--strict",
      description = "exit 1 when any file is bad or the index found problems")
  boolean strict;

  @Override
  public Integer call() {
    Settings s = options.load();
    DatasetIndex index = DataSetup.index(s); // a scan reports an empty split instead of refusing it
    ScanReport report = DatasetScanner.scan(index, DataSetup.clipSpec(s));
    Path dir = out != null ? out : s.run().dir().resolve("scan-" + s.data().format());
    report.writeReport(dir);
    if (json) {
      System.out.println(report.toJson());
    } else {
      System.out.println(report.toText());
      System.out.println("report and index written to " + dir.toAbsolutePath());
    }
    if (strict && (!report.bad().isEmpty() || !index.problems().isEmpty())) {
      System.err.printf(
          "scan --strict: %d bad files, %d index problems%n",
          report.bad().size(), index.problems().size());
      return 1;
    }
    return 0;
  }
}

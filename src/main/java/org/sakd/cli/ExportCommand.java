package org.sakd.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.sakd.config.ConfigName;
import org.sakd.deploy.ModelExport;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(
    name = "export",
    mixinStandardHelpOptions = true,
    description =
        "Write a checkpoint's network for deployment: onnx (built-in networks), torchscript (students"
            + " that came from TorchScript) or djl (a DJL model folder); each carries the class names"
            + " and the clip spec.")
final class ExportCommand implements Callable<Integer> {
  @Option(names = "--checkpoint", required = true, description = "checkpoint file (.ckpt)")
  Path checkpoint;

  @Option(
      names = "--format",
      required = true,
      paramLabel = "FORMAT",
      description = "onnx, torchscript or djl")
  String format;

  @Option(
      names = {"-o", "--output"},
      description =
          "output file (onnx, torchscript) or folder (djl); default beside the checkpoint:"
              + " best.onnx, best.pt, best-djl/")
  Path output;

  @Option(names = "--overwrite", description = "replace an existing output")
  boolean overwrite;

  @Override
  public Integer call() {
    ModelExport.Format f = ConfigName.parse(ModelExport.Format.class, format, "format");
    Path out = output != null ? output : f.defaultOutput(checkpoint);
    System.out.println(ModelExport.export(checkpoint, f, out, overwrite));
    return 0;
  }
}

package org.sakd.cli;

import org.sakd.config.SettingsException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code sakd} command. */
@Command(name = "sakd", mixinStandardHelpOptions = true, version = "sakd 0.1.0",
    description = "Sample-level Adaptive Knowledge Distillation trainer (Pekko actors + DJL/PyTorch).",
    subcommands = {GenerateCommand.class, ScanCommand.class, TrainTeacherCommand.class, EvaluateCommand.class,
        DistillCommand.class, DemoCommand.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {

  /** Exit code of a bad setting or bad input detected before work starts. */
  public static final int EXIT_BAD_INPUT = 2;

  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line and returns the exit code (used by tests, too). */
  public static int execute(String... args) {
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> {
      if (e instanceof SettingsException || e instanceof IllegalArgumentException
          || e instanceof org.sakd.data.ListFormatException) {
        cmd.getErr().println("error: " + e.getMessage());
        return EXIT_BAD_INPUT;
      }
      throw e;
    });
    return cl.execute(args);
  }
}

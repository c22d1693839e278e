package org.sakd.cli;

import org.sakd.config.SettingsException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code sakd} command. */
@Command(
    name = "sakd",
    mixinStandardHelpOptions = true,
    version = "sakd 0.1.0",
    description =
        "Sample-level Adaptive Knowledge Distillation trainer (Pekko actors + DJL/PyTorch).",
    subcommands = {
      GenerateCommand.class,
      ScanCommand.class,
      TrainTeacherCommand.class,
      EvaluateCommand.class,
      ExportCommand.class,
      PredictCommand.class,
      DistillCommand.class,
      NodeCommand.class,
      DemoCommand.class,
      AblateCommand.class,
      CompareCommand.class,
      MonitorCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {

  /** Exit code of a bad setting or bad input detected before work starts. */
  public static final int EXIT_BAD_INPUT = 2;

  /**
   * A run that started and then failed (its cause in one line; the last good checkpoint is kept).
   */
  public static final int EXIT_RUN_FAILED = 1;

  @Override
  public void run() {
    CommandLine.usage(this, System.out);
  }

  public static void main(String[] args) throws Exception {
    if (ModuleLayer.boot().findModule(VECTOR_MODULE).isEmpty()
        && System.getProperty("sakd.relaunched") == null) {
      System.exit(relaunchWithVectorModule(args));
    }
    System.exit(execute(args));
  }

  /**
   * The DPP kernels use the JDK's incubating Vector API, which a JVM only loads when asked on its
   * command line.
   */
  static final String VECTOR_MODULE = "jdk.incubator.vector";

  /**
   * {@code java -jar sakd.jar} without {@code --add-modules jdk.incubator.vector}: run the same
   * command in a child JVM that has it (same JVM options, class path and arguments), passing its
   * I/O and exit code through. scripts/sakd passes the flag itself, so this only happens for a bare
   * {@code java -jar}.
   */
  private static int relaunchWithVectorModule(String[] args) throws Exception {
    java.util.List<String> cmd = new java.util.ArrayList<>();
    cmd.add(java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(java.lang.management.ManagementFactory.getRuntimeMXBean().getInputArguments());
    cmd.add("--add-modules");
    cmd.add(VECTOR_MODULE);
    cmd.add("-Dsakd.relaunched=true");
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.addAll(java.util.List.of(args));
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    Runtime.getRuntime().addShutdownHook(new Thread(p::destroy));
    return p.waitFor();
  }

  /** Runs the command line and returns the exit code (used by tests, too). */
  public static int execute(String... args) {
    if (System.getProperty("ai.djl.offline") == null) {
      System.setProperty("ai.djl.offline", "true");
    }
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler(
        (e, cmd, parsed) -> {
          if (e instanceof SettingsException
              || e instanceof IllegalArgumentException
              || e instanceof org.sakd.data.ListFormatException) {
            cmd.getErr().println("error: " + e.getMessage());
            return EXIT_BAD_INPUT;
          }
          if (e instanceof IllegalStateException || e instanceof java.io.UncheckedIOException) {
            // a run that failed (a stage's error, a non-finite loss, a disk that is full or
            // read-only): one line, exit 1;
            // -Dsakd.trace=true adds the stack trace
            cmd.getErr().println("error: " + e.getMessage());
            if (Boolean.getBoolean("sakd.trace")) {
              e.printStackTrace(cmd.getErr());
            }
            return EXIT_RUN_FAILED;
          }
          throw e;
        });
    return cl.execute(args);
  }
}

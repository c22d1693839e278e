package org.sakd.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.sakd.checkpoint.CheckpointStore;

/**
 * While a run trains, a JVM shutdown hook (SIGINT, SIGTERM) that says where the run stopped and how
 * to continue it: checkpoints are written atomically at epoch ends, so an interrupted epoch is
 * simply done again by {@code --resume}. Closing the notice (the run finished or failed on its own)
 * removes the hook.
 */
final class StopNotice implements AutoCloseable {
  private final Thread hook;

  private StopNotice(Thread hook) {
    this.hook = hook;
  }

  static StopNotice register(Path runDir, String command, List<String> args) {
    Thread hook =
        new Thread(() -> System.err.println(message(runDir, command, args)), "sakd-stop-notice");
    Runtime.getRuntime().addShutdownHook(hook);
    return new StopNotice(hook);
  }

  static String message(Path runDir, String command, List<String> args) {
    Path last = runDir.resolve("checkpoints").resolve(CheckpointStore.LAST);
    List<String> again = new ArrayList<>();
    List<String> rest =
        !args.isEmpty() && args.get(0).equals(command) ? args.subList(1, args.size()) : args;
    for (String a : rest) {
      if (!a.equals("--overwrite") && !a.equals("--resume")) {
        again.add(a.contains(" ") || a.contains("\"") ? "'" + a + "'" : a);
      }
    }
    String resume = "scripts/sakd " + command + " --resume " + String.join(" ", again);
    if (!Files.isRegularFile(last)) {
      return "stopped: "
          + runDir
          + " has no checkpoint yet (no epoch finished); start it again with: scripts/sakd "
          + command
          + " --overwrite "
          + String.join(" ", again);
    }
    String after;
    try {
      after = "after epoch " + (CheckpointStore.read(last).getEpoch() + 1);
    } catch (RuntimeException e) {
      after = "(unreadable: " + e.getMessage() + ")";
    }
    return "stopped: "
        + runDir
        + " keeps its last checkpoint "
        + after
        + "; continue with: "
        + resume;
  }

  @Override
  public void close() {
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down: the hook runs
    }
  }
}

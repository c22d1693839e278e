package org.sakd.checkpoint;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sakd.config.SettingsException;

/** One writer per run folder, and what each mode accepts in it. */
class RunFolderTest {
  @TempDir Path tmp;

  @Test
  void aSecondWriterIsRefusedWithTheHolderNamed() throws Exception {
    Path dir = tmp.resolve("run");
    try (RunFolder first = RunFolder.acquire(dir, RunFolder.Mode.FRESH, "run.name", "run")) {
      assertTrue(
          Files.readString(dir.resolve(RunFolder.LOCK))
              .startsWith("pid " + ProcessHandle.current().pid()));
      SettingsException e =
          assertThrows(
              SettingsException.class,
              () -> RunFolder.acquire(dir, RunFolder.Mode.REUSE, "run.name", "run"));
      assertTrue(
          e.getMessage().contains("is in use by pid " + ProcessHandle.current().pid()),
          e.getMessage());
    }
    assertFalse(Files.exists(dir.resolve(RunFolder.LOCK)), "a clean end removes the lock file");
    assertDoesNotThrow(
        () -> RunFolder.acquire(dir, RunFolder.Mode.FRESH, "run.name", "run").close());
  }

  @Test
  void aFinishedRunIsNeverOverwrittenSilently() throws Exception {
    Path dir = tmp.resolve("done");
    Files.createDirectories(dir.resolve("checkpoints"));
    Files.writeString(dir.resolve("checkpoints").resolve(CheckpointStore.BEST), "x");
    Files.writeString(dir.resolve("events.jsonl"), "{}\n");
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () -> RunFolder.acquire(dir, RunFolder.Mode.FRESH, "run.name", "done"));
    assertTrue(
        e.getMessage().contains("already holds a run") && e.getMessage().contains("--overwrite"),
        e.getMessage());
    assertTrue(Files.exists(dir.resolve("events.jsonl")), "nothing touched");
    try (RunFolder f = RunFolder.acquire(dir, RunFolder.Mode.OVERWRITE, "run.name", "done")) {
      assertFalse(Files.exists(dir.resolve("events.jsonl")));
      assertFalse(Files.exists(dir.resolve("checkpoints")));
    }
  }

  @Test
  void resumeNeedsALastCheckpoint() throws Exception {
    Path dir = tmp.resolve("empty");
    SettingsException missing =
        assertThrows(
            SettingsException.class,
            () -> RunFolder.acquire(dir, RunFolder.Mode.RESUME, "run.name", "empty"));
    assertTrue(missing.getMessage().contains("does not exist"), missing.getMessage());
    assertFalse(Files.exists(dir), "a refused resume creates nothing");
    Files.createDirectories(dir);
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () -> RunFolder.acquire(dir, RunFolder.Mode.RESUME, "run.name", "empty"));
    assertTrue(e.getMessage().contains("has no checkpoints/last.ckpt"), e.getMessage());
    assertFalse(Files.exists(dir.resolve(RunFolder.LOCK)), "a refused start leaves no lock behind");
    Files.createDirectories(dir.resolve("checkpoints"));
    Files.writeString(dir.resolve("checkpoints").resolve(CheckpointStore.LAST), "x");
    assertDoesNotThrow(
        () -> RunFolder.acquire(dir, RunFolder.Mode.RESUME, "run.name", "empty").close());
  }

  @Test
  void theLockOfARunThatDiedIsTakenOver() throws Exception {
    Path dir = tmp.resolve("killed");
    Files.createDirectories(dir);
    // what kill -9 leaves: the file with its holder, but no OS lock on it
    Files.writeString(
        dir.resolve(RunFolder.LOCK), "pid 999999 on elsewhere since 2026-01-01T00:00:00Z\n");
    try (RunFolder f = RunFolder.acquire(dir, RunFolder.Mode.REUSE, "run.name", "killed")) {
      assertTrue(
          Files.readString(dir.resolve(RunFolder.LOCK))
              .startsWith("pid " + ProcessHandle.current().pid()));
    }
  }

  /**
   * Another process is refused while this one holds the folder. The OS lock is a POSIX record lock,
   * which closing any other descriptor of the file in the holding process drops: reading the lock
   * file through a second descriptor while holding it let a second run start 1 s later and write
   * into the same folder (found by scripts/chaos).
   */
  @Test
  void anotherProcessIsRefusedWhileTheFolderIsHeld() throws Exception {
    Path dir = tmp.resolve("shared");
    Files.createDirectories(dir);
    // a stale holder from a killed run makes acquire read the old lock file first
    Files.writeString(dir.resolve(RunFolder.LOCK), "pid 999999 on elsewhere since earlier\n");
    try (RunFolder held = RunFolder.acquire(dir, RunFolder.Mode.REUSE, "run.name", "shared")) {
      Process p =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  Probe.class.getName(),
                  dir.toString())
              .redirectErrorStream(true)
              .start();
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "the probe JVM did not finish");
      String out = new String(p.getInputStream().readAllBytes());
      assertEquals(2, p.exitValue(), out);
      assertTrue(out.contains("is in use by pid " + ProcessHandle.current().pid()), out);
    }
  }

  /** Tries to take a run folder: exit 0 when it gets it, 2 when refused (the reason printed). */
  public static final class Probe {
    public static void main(String[] args) {
      try (RunFolder f =
          RunFolder.acquire(Path.of(args[0]), RunFolder.Mode.REUSE, "run.name", "probe")) {
        System.out.println("acquired");
        System.exit(0);
      } catch (SettingsException e) {
        System.out.println(e.getMessage());
        System.exit(2);
      }
    }
  }
}

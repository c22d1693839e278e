package org.sakd.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.sakd.config.SettingsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One writer per run folder. {@link #acquire} takes an OS file lock on {@code <run>/.lock} (the
 * holder's pid, host and start time are written into it) for as long as the run lasts; a second run
 * on the same folder, in this JVM or another, is refused with the holder named (a {@link
 * SettingsException}, exit 2). The OS drops the lock when its process dies, so a lock file left by
 * a killed run is stale: it is reported and taken over. The lock is a POSIX record lock, which the
 * OS drops when its process closes any descriptor of the file, so the lock file is only ever read
 * through the channel that holds the lock, and a second run in this JVM is refused from {@link
 * #HELD} without opening the file. The mode says what may be in the folder: a fresh run refuses a
 * folder that already holds a run, resume needs its last checkpoint, overwrite clears the previous
 * run first, and reuse (the demo's and an ablation's own folders, whose parts are cached on
 * purpose) keeps what is there.
 */
public final class RunFolder implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RunFolder.class);
  static final String LOCK = ".lock";

  /** What the run may find in its folder. */
  public enum Mode {
    FRESH,
    RESUME,
    OVERWRITE,
    REUSE
  }

  /** The folders this JVM holds, with what their lock file says (the holder). */
  private static final java.util.Map<Path, String> HELD =
      new java.util.concurrent.ConcurrentHashMap<>();

  private final Path dir;
  private final FileChannel channel;
  private final FileLock lock;

  private RunFolder(Path dir, FileChannel channel, FileLock lock) {
    this.dir = dir;
    this.channel = channel;
    this.lock = lock;
  }

  public Path dir() {
    return dir;
  }

  /**
   * Whether {@code dir} holds (part of) a previous run: checkpoints, an event log, metrics or a
   * summary.
   */
  public static boolean holdsRun(Path dir) {
    for (String f : List.of("checkpoints", "events.jsonl", "metrics.csv", "summary.json")) {
      if (Files.exists(dir.resolve(f))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Takes the folder for one run; {@code key}/{@code name} name the setting that chose it (for the
   * error line).
   */
  public static synchronized RunFolder acquire(Path dir, Mode mode, String key, String name) {
    if (mode == Mode.RESUME && !Files.isDirectory(dir)) {
      throw new SettingsException(
          key, name, "a run to resume: " + dir + " does not exist (start it without --resume)");
    }
    Path canonical = dir.toAbsolutePath().normalize();
    String heldHere = HELD.get(canonical);
    if (heldHere != null) {
      throw inUse(key, name, dir, heldHere);
    }
    try {
      Files.createDirectories(dir);
      Path lockFile = dir.resolve(LOCK);
      FileChannel ch =
          FileChannel.open(
              lockFile,
              StandardOpenOption.CREATE,
              StandardOpenOption.READ,
              StandardOpenOption.WRITE);
      FileLock l;
      try {
        l = ch.tryLock();
      } catch (OverlappingFileLockException e) {
        l = null; // this JVM holds it already
      }
      if (l == null) {
        // another process holds it: reading through a second descriptor here is harmless
        String holder = new String(Files.readAllBytes(lockFile), StandardCharsets.UTF_8).trim();
        ch.close();
        throw inUse(key, name, dir, holder);
      }
      String previous = readThrough(ch);
      if (!previous.isEmpty()) {
        LOG.warn(
            "{}: taking over the stale lock of a run that ended without releasing it ({})",
            dir,
            previous);
      }
      RunFolder f = new RunFolder(dir, ch, l);
      try {
        f.check(mode, key, name);
        String holder =
            "pid " + ProcessHandle.current().pid() + " on " + host() + " since " + Instant.now();
        ch.truncate(0);
        ch.write(java.nio.ByteBuffer.wrap((holder + "\n").getBytes(StandardCharsets.UTF_8)), 0);
        ch.force(true);
        HELD.put(canonical, holder);
        return f;
      } catch (RuntimeException | IOException e) {
        f.release(true);
        throw e;
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot take the run folder " + dir + ": " + e.getMessage(), e);
    }
  }

  private static SettingsException inUse(String key, String name, Path dir, String holder) {
    return new SettingsException(
        key,
        name,
        "a run folder no other run is writing: "
            + dir
            + " is in use by "
            + (holder.isEmpty() ? "another run" : holder));
  }

  /** The lock file's content, read through the channel that holds the lock. */
  private static String readThrough(FileChannel ch) throws IOException {
    java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate((int) Math.min(ch.size(), 4096));
    while (buf.hasRemaining() && ch.read(buf, buf.position()) > 0) {}
    return new String(buf.array(), 0, buf.position(), StandardCharsets.UTF_8).trim();
  }

  private void check(Mode mode, String key, String name) throws IOException {
    switch (mode) {
      case FRESH -> {
        if (holdsRun(dir)) {
          throw new SettingsException(
              key,
              name,
              "a new run folder: "
                  + dir
                  + " already holds a run (continue it "
                  + "with --resume, or replace it with --overwrite)");
        }
      }
      case RESUME -> {
        if (!Files.isRegularFile(dir.resolve("checkpoints").resolve(CheckpointStore.LAST))) {
          throw new SettingsException(
              key,
              name,
              "a run to resume: "
                  + dir
                  + " has no checkpoints/"
                  + CheckpointStore.LAST
                  + " (start it without --resume)");
        }
      }
      case OVERWRITE -> clear();
      case REUSE -> {}
    }
  }

  /** Deletes everything in the folder except the lock. */
  private void clear() throws IOException {
    try (Stream<Path> entries = Files.list(dir)) {
      for (Path p : entries.toList()) {
        if (!p.getFileName().toString().equals(LOCK)) {
          deleteTree(p);
        }
      }
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      try (Stream<Path> s = Files.list(p)) {
        for (Path c : s.toList()) {
          deleteTree(c);
        }
      }
    }
    Files.deleteIfExists(p);
  }

  private static String host() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown host";
    }
  }

  private void release(boolean removeFile) {
    HELD.remove(dir.toAbsolutePath().normalize());
    try {
      if (removeFile) {
        Files.deleteIfExists(dir.resolve(LOCK));
      }
      lock.release();
      channel.close();
    } catch (IOException e) {
      LOG.warn("{}: could not release the run lock: {}", dir, e.getMessage());
    }
  }

  /** Releases the lock and removes the lock file. */
  @Override
  public void close() {
    release(true);
  }
}

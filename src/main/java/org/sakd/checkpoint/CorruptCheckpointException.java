package org.sakd.checkpoint;

import java.nio.file.Path;

/**
 * A checkpoint file that cannot be trusted: empty, changed after it was written, or not a
 * checkpoint (exit 2).
 */
public final class CorruptCheckpointException extends IllegalArgumentException {
  private final Path file;

  public CorruptCheckpointException(Path file, String why) {
    super("checkpoint " + file + " is corrupt: " + why);
    this.file = file;
  }

  public Path file() {
    return file;
  }
}

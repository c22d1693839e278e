package org.sakd.data;

import java.nio.file.Path;

/**
 * A dataset list or annotation file has a line that cannot be understood; names the file and
 * 1-based line.
 */
public final class ListFormatException extends RuntimeException {
  private final Path file;
  private final int line;

  public ListFormatException(Path file, int line, String problem) {
    super(file + ":" + line + ": " + problem);
    this.file = file;
    this.line = line;
  }

  public Path file() {
    return file;
  }

  /** 1-based line number, 0 when the problem concerns the whole file. */
  public int line() {
    return line;
  }
}

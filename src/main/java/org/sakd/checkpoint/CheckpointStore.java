package org.sakd.checkpoint;

import com.google.protobuf.InvalidProtocolBufferException;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import org.sakd.proto.CheckpointProto;

/**
 * Atomic, verified checkpoint files: the Protobuf message followed by a 16-byte trailer ("SAKDCRC1"
 * and the CRC-32C of the message), written to a temporary file in the same folder, forced to disk,
 * then renamed over the target, so a crash mid-write leaves the previous checkpoint intact and a
 * changed byte is caught on load. Files without the trailer (written before it existed) are read
 * unverified, with a warning.
 */
public final class CheckpointStore {
  public static final String LAST = "last.ckpt";
  public static final String BEST = "best.ckpt";

  private final Path dir;

  public CheckpointStore(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  public void save(String name, CheckpointProto checkpoint) {
    Path tmp = null;
    try {
      Files.createDirectories(dir);
      tmp = Files.createTempFile(dir, name, ".tmp");
      byte[] body = checkpoint.toByteArray();
      try (OutputStream out = Files.newOutputStream(tmp)) {
        writeInSlices(out, body);
        out.write(trailer(body));
      }
      try (var ch =
          java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      try {
        Files.move(
            tmp,
            dir.resolve(name),
            StandardCopyOption.ATOMIC_MOVE,
            StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
      }
      tmp = null;
    } catch (IOException e) {
      deleteQuietly(tmp); // a full disk must not keep the half-written file as well
      throw new UncheckedIOException(
          "cannot write checkpoint " + dir.resolve(name) + ": " + reason(e), e);
    }
  }

  /**
   * A file channel's stream copies each write through a temporary direct buffer of the write's
   * size, and every thread keeps such buffers in a cache (JDK sun.nio.ch.Util) until it dies: one
   * write of a whole checkpoint left a few MiB of native memory on each dispatcher thread that ever
   * saved one. Slices bound that to {@link #SLICE} bytes a thread.
   */
  static void writeInSlices(OutputStream out, byte[] body) throws IOException {
    for (int off = 0; off < body.length; off += SLICE) {
      out.write(body, off, Math.min(SLICE, body.length - off));
    }
  }

  private static final int SLICE = 64 * 1024;

  /** Why a write failed in the OS's words ("No space left on device", "Read-only file system"). */
  private static String reason(IOException e) {
    return e instanceof java.nio.file.FileSystemException f && f.getReason() != null
        ? f.getReason()
        : e.getMessage();
  }

  private static void deleteQuietly(Path p) {
    if (p != null) {
      try {
        Files.deleteIfExists(p);
      } catch (IOException ignored) {
        // the write already failed; its own error is the one to report
      }
    }
  }

  public Optional<CheckpointProto> load(String name) {
    Path file = dir.resolve(name);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    return Optional.of(read(file));
  }

  private static final byte[] MAGIC =
      "SAKDCRC1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private static byte[] trailer(byte[] body) {
    java.util.zip.CRC32C crc = new java.util.zip.CRC32C();
    crc.update(body);
    return java.nio.ByteBuffer.allocate(16).put(MAGIC).putLong(crc.getValue()).array();
  }

  /**
   * Reads and verifies one checkpoint file; a corrupt one is a {@link CorruptCheckpointException}
   * (exit 2).
   */
  public static CheckpointProto read(Path file) {
    byte[] all;
    try {
      all = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read checkpoint " + file, e);
    }
    if (all.length == 0) {
      throw new CorruptCheckpointException(file, "the file is empty");
    }
    byte[] body = all;
    int n = all.length - 16;
    if (n >= 0 && java.util.Arrays.equals(all, n, n + 8, MAGIC, 0, 8)) {
      body = java.util.Arrays.copyOf(all, n);
      if (!java.util.Arrays.equals(trailer(body), 0, 16, all, n, all.length)) {
        throw new CorruptCheckpointException(
            file,
            "its checksum does not match ("
                + all.length
                + " bytes; the file changed after it was written)");
      }
    } else {
      LOG.warn("{} has no checksum (written by an older version); reading it unverified", file);
    }
    try {
      return CheckpointProto.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      throw new CorruptCheckpointException(file, e.getMessage());
    }
  }

  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(CheckpointStore.class);
}

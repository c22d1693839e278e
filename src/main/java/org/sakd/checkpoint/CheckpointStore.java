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
 * Atomic checkpoint files: written to a temporary file in the same folder, forced to disk, then renamed over
 * the target, so a crash mid-write leaves the previous checkpoint intact.
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
    try {
      Files.createDirectories(dir);
      Path tmp = Files.createTempFile(dir, name, ".tmp");
      try (OutputStream out = Files.newOutputStream(tmp)) {
        checkpoint.writeTo(out);
      }
      try (var ch = java.nio.channels.FileChannel.open(tmp, java.nio.file.StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      try {
        Files.move(tmp, dir.resolve(name), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, dir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write checkpoint " + dir.resolve(name), e);
    }
  }

  public Optional<CheckpointProto> load(String name) {
    Path file = dir.resolve(name);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(CheckpointProto.parseFrom(Files.readAllBytes(file)));
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("checkpoint " + file + " is corrupt: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read checkpoint " + file, e);
    }
  }
}

package org.sakd.model;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Block;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * Checkpoints of zoo networks. The payload is DJL's own {@code
 * block.saveParameters(DataOutputStream)}, which {@code block.loadParameters(NDManager,
 * DataInputStream)} reads back exactly (weights and BatchNorm running statistics, children in
 * construction order); this class adds a header naming the network so a checkpoint cannot be loaded
 * into a different one, and writes through a temporary file and a rename so a crash never leaves a
 * half-written checkpoint behind.
 */
public final class ModelIO {

  private static final String MAGIC = "SAKD-MODEL";
  private static final int FORMAT = 1;

  private ModelIO() {}

  /**
   * Writes the block's parameters to {@code path} atomically (temporary file in the same folder +
   * rename).
   */
  public static void save(Block block, Path path) throws IOException {
    Classifier classifier = ModelInfo.classifier(block);
    if (!block.isInitialized()) {
      throw new IllegalStateException(classifier.name() + " is not initialised; nothing to save");
    }
    Path target = path.toAbsolutePath();
    Path folder = target.getParent();
    Files.createDirectories(folder);
    Path temp = Files.createTempFile(folder, target.getFileName().toString(), ".tmp");
    try {
      try (DataOutputStream out =
          new DataOutputStream(new BufferedOutputStream(Files.newOutputStream(temp)))) {
        out.writeUTF(MAGIC);
        out.writeInt(FORMAT);
        out.writeUTF(classifier.name());
        out.writeInt(classifier.numClasses());
        block.saveParameters(out);
      }
      try {
        Files.move(
            temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /**
   * Loads a checkpoint written by {@link #save} into {@code block}, which must be the same network
   * (name and class count). An uninitialised block is initialised first on {@code manager}; the
   * loaded arrays live on {@code manager}. Gradients are re-attached, so the block can be trained
   * further.
   */
  public static void load(Block block, Path path, NDManager manager) throws IOException {
    Classifier classifier = ModelInfo.classifier(block);
    if (!block.isInitialized()) {
      block.initialize(manager, DataType.FLOAT32, classifier.inputShape(1));
    }
    try (DataInputStream in =
        new DataInputStream(new BufferedInputStream(Files.newInputStream(path)))) {
      String magic = in.readUTF();
      int format = in.readInt();
      if (!MAGIC.equals(magic) || format != FORMAT) {
        throw new IOException(path + " is not a SAKD model checkpoint (format " + FORMAT + ")");
      }
      String name = in.readUTF();
      int numClasses = in.readInt();
      if (!name.equals(classifier.name()) || numClasses != classifier.numClasses()) {
        throw new IllegalArgumentException(
            path
                + " holds "
                + name
                + " with "
                + numClasses
                + " classes, but the block is "
                + classifier.name()
                + " with "
                + classifier.numClasses());
      }
      block.loadParameters(manager, in);
    } catch (MalformedModelException e) {
      throw new IOException("corrupt checkpoint " + path + ": " + e.getMessage(), e);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    ModelInfo.attachGradients(block);
  }
}

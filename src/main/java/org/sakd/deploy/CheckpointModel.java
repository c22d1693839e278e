package org.sakd.deploy;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import org.sakd.checkpoint.CheckpointStore;
import org.sakd.checkpoint.Checkpoints;
import org.sakd.proto.CheckpointProto;
import org.sakd.train.Network;

/**
 * A checkpoint read back into the network it holds (the way {@code evaluate} does it), with the
 * card it records. Closing frees the network's native memory.
 */
public final class CheckpointModel implements AutoCloseable {
  private final CheckpointProto checkpoint;
  private final ModelCard card;
  private final Network network;

  private CheckpointModel(CheckpointProto checkpoint, ModelCard card, Network network) {
    this.checkpoint = checkpoint;
    this.card = card;
    this.network = network;
  }

  /**
   * Reads {@code file} without building its network.
   *
   * @throws IllegalArgumentException when there is no file, or it is corrupt (exit 2)
   */
  public static CheckpointProto read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no checkpoint at " + file);
    }
    return CheckpointStore.read(file);
  }

  /**
   * Reads {@code file} and loads its parameters into a network on a sub-manager of {@code root}.
   *
   * @throws IllegalArgumentException when there is no file, it is corrupt, records no card, or its
   *     network cannot be built (a TorchScript student whose original file is gone)
   */
  public static CheckpointModel open(Path file, NDManager root) {
    CheckpointProto c = read(file);
    ModelCard card = ModelCard.of(c, file);
    Shape clip = new Shape(3, card.clip().frames(), card.clip().crop(), card.clip().crop());
    Network net =
        Network.create(c.getModel(), card.classes().size(), clip, false, root, c.getSeed());
    try {
      net.loadParameterBytes(c.getParameters().toByteArray());
      String bad = Checkpoints.classMismatch(c, net.classifier().numClasses(), card.classes());
      if (bad != null) {
        throw new IllegalArgumentException("checkpoint " + file + " is not " + bad);
      }
      return new CheckpointModel(c, card, net);
    } catch (RuntimeException e) {
      net.close();
      if (e instanceof IllegalStateException) {
        // Network reports parameters that do not fit as a failed run; here it is a bad file
        throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
      }
      throw e;
    }
  }

  public CheckpointProto checkpoint() {
    return checkpoint;
  }

  public ModelCard card() {
    return card;
  }

  public Network network() {
    return network;
  }

  @Override
  public void close() {
    network.close();
  }
}

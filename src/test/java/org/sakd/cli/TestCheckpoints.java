package org.sakd.cli;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.protobuf.ByteString;
import java.nio.file.Path;
import java.util.List;
import org.sakd.checkpoint.CheckpointStore;
import org.sakd.data.ClipSpec;
import org.sakd.model.TorchScriptNet;
import org.sakd.proto.CheckpointProto;
import org.sakd.proto.ClipSpecProto;
import org.sakd.train.Network;

/** Checkpoints for the deployment tests, without a training run. */
final class TestCheckpoints {
  private TestCheckpoints() {}

  /**
   * Writes a checkpoint of {@code model} (random weights for a zoo network) for {@code classes} and
   * {@code clip} to {@code file}; its batch-norm statistics were moved off their initial values by
   * training-mode forwards.
   */
  static Path write(Path file, String model, List<String> classes, ClipSpec clip) {
    Shape shape = new Shape(3, clip.frames(), clip.crop(), clip.crop());
    try (NDManager root = NDManager.newBaseManager();
        // a TorchScript student trains (BatchNorm in training mode), as in a real run
        Network net =
            Network.create(
                model, classes.size(), shape, TorchScriptNet.isTorchScript(model), root, 3)) {
      for (int i = 0; i < 2; i++) {
        try (NDManager step = root.newSubManager()) {
          net.forward(step.randomNormal(net.classifier().inputShape(3)), true);
        }
      }
      ClipSpecProto.Builder spec =
          ClipSpecProto.newBuilder()
              .setFrames(clip.frames())
              .setStride(clip.stride())
              .setShortSide(clip.shortSide())
              .setCrop(clip.crop());
      for (int i = 0; i < 3; i++) {
        spec.addMean(clip.mean()[i]).addStd(clip.std()[i]);
      }
      CheckpointProto c =
          CheckpointProto.newBuilder()
              .setModel(model)
              .setParameters(ByteString.copyFrom(net.parameterBytes()))
              .setSeed(3)
              .addAllClasses(classes)
              .setClip(spec)
              .build();
      new CheckpointStore(file.toAbsolutePath().getParent()).save(file.getFileName().toString(), c);
    }
    return file;
  }
}

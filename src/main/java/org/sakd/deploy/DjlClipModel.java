package org.sakd.deploy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Path;
import java.util.List;
import org.sakd.data.Clip;
import org.sakd.train.Batches;

/** A checkpoint's network run by DJL's PyTorch engine, as {@code evaluate} runs it. */
public final class DjlClipModel implements ClipModel {
  private final NDManager root;
  private final CheckpointModel model;

  private DjlClipModel(NDManager root, CheckpointModel model) {
    this.root = root;
    this.model = model;
  }

  /**
   * Loads {@code checkpoint} on {@code device} (e.g. {@code Devices.primary}).
   *
   * @throws IllegalArgumentException for a missing, corrupt or card-less checkpoint, or an image
   *     network (predict decodes videos)
   */
  public static DjlClipModel open(Path checkpoint, ai.djl.Device device) {
    NDManager root = NDManager.newBaseManager(device);
    try {
      CheckpointModel m = CheckpointModel.open(checkpoint, root);
      Shape input = m.network().classifier().inputShape(1);
      if (input.get(2) == 1 && m.card().clip().frames() > 1) {
        m.close();
        throw new IllegalArgumentException(
            "predict decodes video clips; "
                + m.card().model()
                + " is an image network (one-frame input)");
      }
      return new DjlClipModel(root, m);
    } catch (RuntimeException e) {
      root.close();
      throw e;
    }
  }

  @Override
  public ModelCard card() {
    return model.card();
  }

  @Override
  public String runtime() {
    return "DJL/PyTorch";
  }

  @Override
  public float[] logits(List<Clip> clips) {
    try (NDManager scope = model.network().manager().newSubManager()) {
      NDArray x = Batches.stack(scope, clips);
      NDList out = model.network().forward(x, false);
      return out.get(0).toFloatArray();
    }
  }

  @Override
  public void close() {
    model.close();
    root.close();
  }
}

package org.sakd.deploy;

import java.util.List;
import org.sakd.data.Clip;

/**
 * A trained classifier behind one runtime, as {@code predict} uses it: clips in, logits out. The
 * card says how clips must be cut and what the outputs mean.
 */
public interface ClipModel extends AutoCloseable {

  ModelCard card();

  /** The runtime, for reports: "DJL/PyTorch", "ONNX Runtime". */
  String runtime();

  /** Logits N×K, row-major, of {@code clips} (equal shapes), in inference mode. */
  float[] logits(List<Clip> clips);

  @Override
  void close();
}

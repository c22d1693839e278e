package org.sakd.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/** Per-sample cross-entropy −log softmax(z)_y and the label mask it uses. */
public final class CrossEntropy {

  private CrossEntropy() {}

  /** CE_i = −log softmax(z_i)[y_i]; logits N×K, labels N integer ids; returns N. */
  public static NDArray perSample(NDArray logits, NDArray labels) {
    NDArray mask = targetMask(labels, logits.getShape().get(1), logits.getDataType());
    return logits.logSoftmax(1).mul(mask).sum(new int[] {1}).neg();
  }

  /** One-hot N×K mask of the target classes, in the logits' type; rejects out-of-range ids. */
  static NDArray targetMask(NDArray labels, long numClasses, DataType type) {
    long min = labels.min().toType(DataType.INT64, false).getLong();
    long max = labels.max().toType(DataType.INT64, false).getLong();
    if (min < 0 || max >= numClasses) {
      throw new IllegalArgumentException(
          "labels must lie in [0, " + numClasses + "), got range [" + min + ", " + max + "]");
    }
    return labels.toType(DataType.INT64, false).oneHot((int) numClasses, type);
  }
}

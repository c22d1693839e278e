package org.sakd.train;

import ai.djl.ndarray.NDArray;

/** Plain supervised losses. */
public final class Losses {
  private Losses() {}

  /** Per-sample cross-entropy −log softmax(z)[y]; labels are int64 class ids. */
  public static NDArray crossEntropy(NDArray logits, NDArray labels) {
    NDArray logp = logits.logSoftmax(1);
    NDArray onehot = labels.oneHot((int) logits.getShape().get(1));
    return logp.mul(onehot).sum(new int[] {1}).neg();
  }
}

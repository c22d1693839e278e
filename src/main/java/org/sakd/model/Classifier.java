package org.sakd.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.core.Linear;

/**
 * A classification network of the model zoo. Its block's {@code forward(NDList(x))} returns {@code
 * NDList(logits [N×K], feature [N×D])}, where {@code feature} is the globally pooled vector that
 * feeds {@link #head()}: {@code logits = head(feature)}.
 *
 * <p>The input is always a clip {@code N×3×T×H×W}; image networks take a one-frame clip ({@code T =
 * 1}) and drop the time axis themselves, so one data path serves videos and images.
 */
public interface Classifier {

  /** Width D of the pooled feature. */
  int featureDim();

  /** Number of classes K. */
  int numClasses();

  /**
   * The final classifier. CrossKD (Wang et al., CVPR 2024) pushes student features through the
   * teacher's head, so it must be reachable on its own.
   */
  Linear head();

  /** The input this network expects, e.g. {@code (N, 3, 8, 56, 56)}. */
  Shape inputShape(int batch);

  /** The registry name that builds this network. */
  String name();
}

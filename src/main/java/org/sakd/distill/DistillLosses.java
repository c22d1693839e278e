package org.sakd.distill;

import ai.djl.ndarray.NDArray;
import java.util.Map;

/**
 * Per-sample losses of one base KD method on one batch.
 *
 * @param ce unweighted per-sample cross-entropy with the labels (length N)
 * @param kd the method's own weighted KD term per sample, extra terms included (length N); this is
 *     the quantity SAKD mixes with CE and also the difficulty score ℓ_i of METHOD.md §2
 * @param terms named per-sample components (each length N) for logging
 */
public record DistillLosses(NDArray ce, NDArray kd, Map<String, NDArray> terms) {

  public DistillLosses {
    if (ce == null || kd == null) {
      throw new IllegalArgumentException("ce and kd must not be null");
    }
    if (ce.getShape().dimension() != 1 || !ce.getShape().equals(kd.getShape())) {
      throw new IllegalArgumentException(
          "ce and kd must be per-sample vectors of equal length, got "
              + ce.getShape()
              + " and "
              + kd.getShape());
    }
    terms = terms == null ? Map.of() : Map.copyOf(terms);
    for (Map.Entry<String, NDArray> e : terms.entrySet()) {
      if (!e.getValue().getShape().equals(ce.getShape())) {
        throw new IllegalArgumentException(
            "term '"
                + e.getKey()
                + "' has shape "
                + e.getValue().getShape()
                + ", expected "
                + ce.getShape());
      }
    }
  }
}

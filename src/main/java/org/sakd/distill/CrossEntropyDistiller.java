package org.sakd.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import java.util.Map;

/**
 * Supervised training as a distiller without a teacher (mdistiller's {@code Vanilla}): the loss is
 * the per-sample cross-entropy with the labels, weight 1, and the KD term is zero. It reads neither
 * the teacher's logits nor its features, so supervised training (train-teacher, the student alone,
 * pre-training) runs through the same pipeline, step and checkpoints as distillation. Not a {@code
 * distill.method}: a run without a teacher gets it.
 */
public final class CrossEntropyDistiller extends AbstractDistiller {

  public CrossEntropyDistiller() {
    super("ce", new DistillSettings(1.0, 1.0, 0.0, Map.of()));
  }

  @Override
  protected DistillLosses compute(DistillInput in, ParameterStore ps) {
    NDArray ce = CrossEntropy.perSample(in.studentLogits(), in.labels());
    return new DistillLosses(ce, ce.zerosLike(), Map.of());
  }
}

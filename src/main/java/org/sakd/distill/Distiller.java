package org.sakd.distill;

import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.ParameterStore;

/**
 * One base KD method M (METHOD.md §7). It returns per-sample CE and its own weighted KD term; the
 * trainer (or {@link SakdLoss}) weighs and sums them.
 */
public interface Distiller {

  /** The registry name ({@code kd}, {@code dkd}, ...). */
  String name();

  /** w_ce: the weight the method itself gives to cross-entropy. */
  double ceWeight();

  /**
   * Per-sample losses for one batch. Extra parameters (see {@link #extras()}) are read through
   * {@code ps} so they take part in the caller's gradient collector.
   */
  DistillLosses losses(DistillInput in, ParameterStore ps);

  /**
   * The method's trainable extra parameters (a projection, a temperature, a generator), trained
   * with the student by the trainer's optimiser over {@code extras().getParameters()}; null when
   * there are none. Available after {@link #initialize}.
   */
  Block extras();

  /**
   * Builds and initialises the extras on {@code m} for the given widths; must be called once before
   * {@link #losses}. Their parameter arrays are marked as requiring gradients.
   */
  void initialize(NDManager m, int studentFeatureDim, int teacherFeatureDim, int numClasses);

  /**
   * Hook at the start of every training epoch. Our methods take every schedule from {@link
   * DistillInput#epoch()} (so the scoring pass and training agree); the hook checks the epoch and
   * remembers the run length.
   */
  void onEpochStart(int epoch, int totalEpochs);
}

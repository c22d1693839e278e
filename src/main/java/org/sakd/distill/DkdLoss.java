package org.sakd.distill;

import ai.djl.ndarray.NDArray;

/**
 * Decoupled Knowledge Distillation (Zhao, Cui, Song, Qiu, Liang; CVPR 2022), per sample:
 *
 * <pre>
 *   b = [p_t, 1 − p_t] with p = σ(z/τ)                       (binary target / non-target split)
 *   TCKD = τ²·KL(b_T ‖ b_S)
 *   p̂ = σ(z/τ − 1000·onehot(y))                               (softmax over the non-target classes)
 *   NCKD = τ²·KL(p̂_T ‖ p̂_S)
 *   DKD  = α_D·TCKD + β_D·NCKD
 * </pre>
 *
 * The target is masked by subtracting 1000 from its softened logit, as mdistiller does: exp(−1000)
 * underflows to exactly 0 in float, so the softmax is the one over the K−1 non-target classes,
 * while every row keeps K columns (no per-row gather of K−1 entries). The mask is a constant, so
 * NCKD sends no gradient to the target logit, as in the paper. log(1 − p_t) is taken as
 * LSE_{k≠y}(z/τ) − LSE_k(z/τ) instead of log(1 − p_t), which stays finite when p_t rounds to 1.
 */
public final class DkdLoss {

  /** The constant subtracted from the target logit to mask it out of the non-target softmax. */
  static final double TARGET_MASK = 1000.0;

  private DkdLoss() {}

  /** Target-class KD τ²·KL([p_t,1−p_t]_T ‖ [p_t,1−p_t]_S) per sample. */
  public static NDArray tckd(NDArray s, NDArray t, NDArray labels, double tau) {
    NDArray mask = CrossEntropy.targetMask(labels, s.getShape().get(1), s.getDataType());
    NDArray bt = binaryLogProbabilities(Scalar.div(t, tau), mask);
    NDArray bs = binaryLogProbabilities(Scalar.div(s, tau), mask);
    return Scalar.mul(KdLoss.klDivergence(bt, bs), tau * tau);
  }

  /** Non-target-class KD τ²·KL(p̂_T ‖ p̂_S) over the non-target classes, per sample. */
  public static NDArray nckd(NDArray s, NDArray t, NDArray labels, double tau) {
    NDArray masked =
        Scalar.mul(
            CrossEntropy.targetMask(labels, s.getShape().get(1), s.getDataType()), TARGET_MASK);
    NDArray logPt = Scalar.div(t, tau).sub(masked).logSoftmax(1);
    NDArray logPs = Scalar.div(s, tau).sub(masked).logSoftmax(1);
    return Scalar.mul(KdLoss.klDivergence(logPt, logPs), tau * tau);
  }

  /** α_D·TCKD + β_D·NCKD per sample (no warm-up). */
  public static NDArray perSample(
      NDArray s, NDArray t, NDArray labels, double tau, double alphaD, double betaD) {
    return Scalar.mul(tckd(s, t, labels, tau), alphaD)
        .add(Scalar.mul(nckd(s, t, labels, tau), betaD));
  }

  /** N×2 log-probabilities [log p_t, log(1 − p_t)] of the softened logits x = z/τ. */
  private static NDArray binaryLogProbabilities(NDArray x, NDArray mask) {
    NDArray all = LogSumExp.of(x, 1);
    NDArray logTarget = x.mul(mask).sum(new int[] {1}, true).sub(all);
    NDArray logOther = LogSumExp.of(x.sub(Scalar.mul(mask, TARGET_MASK)), 1).sub(all);
    return logTarget.concat(logOther, 1);
  }
}

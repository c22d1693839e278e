package org.sakd.distill;

import ai.djl.ndarray.NDArray;

/**
 * Hinton, Vinyals and Dean, "Distilling the Knowledge in a Neural Network" (2015): τ²·KL(σ(z_T/τ) ‖
 * σ(z_S/τ)) per sample. The τ² keeps the gradient scale independent of τ.
 */
public final class KdLoss {

  private KdLoss() {}

  /** τ²·KL(σ(t/τ) ‖ σ(s/τ)) for each row; s, t are N×K logits; returns N (unweighted). */
  public static NDArray perSample(NDArray s, NDArray t, double tau) {
    if (!(tau > 0)) {
      throw new IllegalArgumentException("temperature must be > 0, got " + tau);
    }
    return Scalar.mul(
        klDivergence(Scalar.div(t, tau).logSoftmax(1), Scalar.div(s, tau).logSoftmax(1)),
        tau * tau);
  }

  /**
   * Same with a temperature held in an array (a scalar or one entry), so a learned temperature
   * (CTKD) receives gradients through both the softened distributions and the τ² factor.
   */
  public static NDArray perSample(NDArray s, NDArray t, NDArray tau) {
    NDArray tau2 = tau.square();
    return klDivergence(t.div(tau).logSoftmax(1), s.div(tau).logSoftmax(1)).mul(tau2.reshape(1));
  }

  /**
   * KL(P ‖ Q) per row from log-probabilities, Σ_k P_k (log P_k − log Q_k). Written with log P
   * rather than P·log P so a class masked to probability ~0 contributes exactly 0, not 0·(−inf).
   */
  public static NDArray klDivergence(NDArray logP, NDArray logQ) {
    return logP.exp().mul(logP.sub(logQ)).sum(new int[] {1});
  }
}

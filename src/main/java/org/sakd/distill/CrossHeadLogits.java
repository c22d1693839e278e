package org.sakd.distill;

import ai.djl.ndarray.NDArray;

/**
 * The cross-head path of CrossKD (Wang, Chen, Li, Cao, Guo, Li, Zhang; "CrossKD: Cross-Head
 * Knowledge Distillation for Object Detection", CVPR 2024), adapted to classification: the
 * student's pooled feature is fed into the teacher's frozen classifier head,
 *
 * <pre>
 *   f̂ = (f_S − μ_B(f_S)) / sqrt(σ²_B(f_S) + ε) · sqrt(σ²_B(f_T) + ε) + μ_B(f_T)   (per dimension)
 *   z_cross = W_T·f̂ + b_T
 * </pre>
 *
 * μ_B, σ²_B are the batch mean and biased batch variance of each feature dimension (as BatchNorm in
 * training). The rescaling puts the student feature on the scale the teacher's head was trained
 * for. Gradients flow through the batch statistics of f_S and through the head into the student;
 * W_T, b_T and f_T are constants and get none.
 */
public final class CrossHeadLogits {

  /** ε inside the square roots; keeps a constant dimension (or a batch of one) finite. */
  public static final double EPSILON = 1e-5;

  private CrossHeadLogits() {}

  /**
   * Standardises f_S (N×D) per dimension and rescales it to f_T's batch mean and standard
   * deviation.
   */
  public static NDArray standardiseToTeacher(NDArray fs, NDArray ft) {
    if (!fs.getShape().equals(ft.getShape())) {
      throw new IllegalArgumentException(
          "student feature "
              + fs.getShape()
              + " must match the teacher feature "
              + ft.getShape()
              + " (project it first)");
    }
    NDArray muS = fs.mean(new int[] {0}, true);
    NDArray centred = fs.sub(muS);
    NDArray sdS = centred.square().mean(new int[] {0}, true).add(EPSILON).sqrt();
    NDArray muT = ft.mean(new int[] {0}, true);
    NDArray sdT = ft.sub(muT).square().mean(new int[] {0}, true).add(EPSILON).sqrt();
    return centred.div(sdS).mul(sdT).add(muT);
  }

  /** z_cross = W_T·f̂ + b_T for f̂ = standardiseToTeacher(f_S, f_T); W_T is K×D, b_T is K. */
  public static NDArray of(NDArray fs, NDArray ft, NDArray headWeight, NDArray headBias) {
    return standardiseToTeacher(fs, ft).matMul(headWeight.transpose()).add(headBias);
  }
}

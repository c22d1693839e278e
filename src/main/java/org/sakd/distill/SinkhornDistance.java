package org.sakd.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

/**
 * Entropic optimal transport between two equally sized batches (Cuturi, "Sinkhorn Distances",
 * NeurIPS 2013), used by our DualKD adaptation. Both batches carry uniform mass 1/N. The cost is
 * C_ij = 1 − cos(x_i, y_j) ∈ [0, 2] between L2-normalised rows. The plan Π solves min ⟨Π, C⟩ −
 * ε·H(Π) with Sinkhorn iterations in the log domain (stable for small ε).
 *
 * <p>Per-sample term: the transport cost of row i scaled by N, ℓ_i = N·Σ_j Π_ij·C_ij, so that the
 * batch mean of ℓ equals the OT cost ⟨Π, C⟩. Π is computed from a detached C and held constant: by
 * the envelope theorem the gradient of the optimal entropic cost with respect to C is Π itself, so
 * the gradient reaches x (the student side) through C only, without differentiating the iterations.
 */
public final class SinkhornDistance {

  private SinkhornDistance() {}

  /** C_ij = 1 − cos(x_i, y_j) for rows of x (N×D) and y (M×D). */
  public static NDArray cosineCost(NDArray x, NDArray y) {
    if (x.getShape().dimension() != 2
        || y.getShape().dimension() != 2
        || x.getShape().get(1) != y.getShape().get(1)) {
      throw new IllegalArgumentException(
          "cosine cost needs N×D and M×D arrays, got " + x.getShape() + " and " + y.getShape());
    }
    return normaliseRows(x).matMul(normaliseRows(y).transpose()).neg().add(1);
  }

  /**
   * The entropic plan for cost C (N×M) with uniform marginals, after {@code iterations} Sinkhorn
   * steps at regularisation {@code epsilon}; detached from C's gradient.
   */
  public static NDArray transportPlan(NDArray cost, double epsilon, int iterations) {
    if (!(epsilon > 0)) {
      throw new IllegalArgumentException("Sinkhorn epsilon must be > 0, got " + epsilon);
    }
    if (iterations < 1) {
      throw new IllegalArgumentException("Sinkhorn iterations must be >= 1, got " + iterations);
    }
    NDManager outer = cost.getManager();
    long n = cost.getShape().get(0);
    long m = cost.getShape().get(1);
    try (NDManager scratch = outer.newSubManager()) {
      NDArray logKernel = Scalar.div(cost.stopGradient(), -epsilon);
      logKernel.attach(scratch);
      NDArray logA =
          scratch.full(
              new ai.djl.ndarray.types.Shape(n, 1), (float) -Math.log(n), cost.getDataType());
      NDArray logB =
          scratch.full(
              new ai.djl.ndarray.types.Shape(1, m), (float) -Math.log(m), cost.getDataType());
      NDArray logV = scratch.zeros(new ai.djl.ndarray.types.Shape(1, m), cost.getDataType());
      NDArray logU = null;
      for (int it = 0; it < iterations; it++) {
        logU = logA.sub(LogSumExp.of(logKernel.add(logV), 1));
        logV = logB.sub(LogSumExp.of(logKernel.add(logU), 0));
      }
      NDArray plan = logKernel.add(logU).add(logV).exp();
      plan.attach(outer);
      return plan;
    }
  }

  /**
   * ℓ_i = N·Σ_j Π_ij·C_ij between the rows of x and y (N×D each); gradient flows into x and y via
   * C.
   */
  public static NDArray perSample(NDArray x, NDArray y, double epsilon, int iterations) {
    if (x.getShape().get(0) != y.getShape().get(0)) {
      throw new IllegalArgumentException(
          "both batches must have the same size, got " + x.getShape() + " and " + y.getShape());
    }
    NDArray cost = cosineCost(x, y);
    NDArray plan = transportPlan(cost, epsilon, iterations);
    return Scalar.mul(plan.mul(cost).sum(new int[] {1}), x.getShape().get(0));
  }

  private static NDArray normaliseRows(NDArray a) {
    return a.div(Scalar.maximum(a.norm(new int[] {1}, true), 1e-12));
  }
}

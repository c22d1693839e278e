package org.sakd.distill;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.Shape;

/**
 * Arithmetic with a constant for anything that autograd differentiates. DJL's PyTorch engine makes
 * the constant of {@code x.mul(c)}, {@code x.div(c)}, {@code x.pow(c)}, {@code x.maximum(c)} a 0-d
 * tensor over a Java direct buffer without copying and closes it when the op returns; autograd
 * saves that tensor for the backward pass, but the garbage collector may free the buffer first, and
 * the gradient then reads freed memory (the NaN runs of issue 7, pinned by ScalarOperandTest). Here
 * the constant is made by {@code torch::full} in PyTorch's own memory and attached to {@code x}'s
 * manager, so the graph's reference keeps it alive for as long as backward needs it. Addition and
 * subtraction do not save their operand (their gradient does not depend on it), so DJL's own {@code
 * add(c)}/{@code sub(c)} are safe.
 */
public final class Scalar {
  private Scalar() {}

  /** c as a 0-d tensor of x's type and device, in PyTorch-owned memory, attached to x's manager. */
  public static NDArray of(NDArray x, double c) {
    return x.getManager().full(new Shape(), (float) c, x.getDataType());
  }

  public static NDArray mul(NDArray x, double c) {
    return x.mul(of(x, c));
  }

  public static NDArray div(NDArray x, double c) {
    return x.div(of(x, c));
  }

  public static NDArray pow(NDArray x, double c) {
    return x.pow(of(x, c));
  }

  public static NDArray maximum(NDArray x, double c) {
    return x.maximum(of(x, c));
  }
}

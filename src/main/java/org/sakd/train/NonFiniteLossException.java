package org.sakd.train;

/**
 * A training step whose loss is NaN or infinite. It is thrown before the backward pass, so the step
 * is never applied, and it ends the run before that epoch's checkpoint is written: a non-finite
 * model is never saved, and the last good checkpoint stays what {@code --resume} continues from.
 */
public final class NonFiniteLossException extends IllegalStateException {
  public NonFiniteLossException(String what, int epoch, double loss) {
    super(
        what
            + " loss is not finite ("
            + loss
            + ")"
            + (epoch >= 0 ? " at epoch " + (epoch + 1) : "")
            + "; the step was not applied and this epoch writes no checkpoint (the last good one is kept)");
  }

  /**
   * With {@code detail}: what was found non-finite (inputs, outputs, parameters), for the report.
   */
  public NonFiniteLossException(String what, int epoch, double loss, String detail) {
    super(
        what
            + " loss is not finite ("
            + loss
            + ")"
            + (epoch >= 0 ? " at epoch " + (epoch + 1) : "")
            + "; the step was not applied and this epoch writes no checkpoint (the last good one is kept); "
            + detail);
  }

  /** Throws unless {@code loss} is finite; {@code epoch} is 0-based, negative when unknown. */
  public static void check(String what, int epoch, double loss) {
    if (!Double.isFinite(loss)) {
      throw new NonFiniteLossException(what, epoch, loss);
    }
  }
}

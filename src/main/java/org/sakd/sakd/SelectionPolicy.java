package org.sakd.sakd;

/**
 * The readings of the method that shape one selection round (METHOD.md §2.5, §4): the history
 * weight λ, which end of the score is favoured, α's scale, and the interruption threshold η that
 * {@link AlphaForm#BETA_OVER_ETA} needs.
 */
public record SelectionPolicy(double lambda, Direction direction, AlphaForm alphaForm, double eta) {

  public SelectionPolicy {
    if (!(lambda >= 0.0 && lambda <= 1.0)) {
      throw new IllegalArgumentException("history weight lambda must be in [0, 1], got " + lambda);
    }
    if (direction == null || alphaForm == null) {
      throw new IllegalArgumentException("direction and alpha form must be set");
    }
    if (!(eta > 0.0 && eta <= 1.0)) {
      throw new IllegalArgumentException(
          "interruption threshold eta must be in (0, 1], got " + eta);
    }
  }

  /** The published code's readings: easy-high, s(n) = β(n). */
  public static SelectionPolicy code(double lambda, double eta) {
    return new SelectionPolicy(lambda, Direction.EASY_HIGH, AlphaForm.CODE, eta);
  }
}

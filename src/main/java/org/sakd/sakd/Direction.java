package org.sakd.sakd;

import org.sakd.config.ConfigName;

/**
 * Which end of the normalised interrupted-KD score d_i ∈ [0, 1] SAKD favours (METHOD.md §2.5). The
 * quality q_i that drives both the DPP's quality term and α is d_i itself ({@link #EASY_HIGH}, the
 * published code's reading: a high interrupted KD loss means much knowledge left to transfer) or
 * e_i = 1 − d_i ({@link #DIFFICULTY_HIGH}, the abstract read literally: the interrupted KD loss is
 * the difficulty and the method selects and distils the samples with a LOW one).
 */
public enum Direction implements ConfigName {
  DIFFICULTY_HIGH("difficulty-high"),
  EASY_HIGH("easy-high");

  private final String configName;

  Direction(String configName) {
    this.configName = configName;
  }

  @Override
  public String configName() {
    return configName;
  }

  public static Direction parse(String name) {
    return ConfigName.parse(Direction.class, name, "direction");
  }

  /** q_i from d_i: d (easy-high) or 1 − d (difficulty-high); a fresh array, in [0, 1] when d is. */
  public double[] quality(double[] d) {
    double[] q = new double[d.length];
    for (int i = 0; i < d.length; i++) {
      q[i] = this == EASY_HIGH ? d[i] : 1.0 - d[i];
    }
    return q;
  }
}

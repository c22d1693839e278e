package org.sakd.sakd;

import org.sakd.config.ConfigName;

/** distill.mode: what a distillation run trains on each epoch, and with which loss. */
public enum RunMode implements ConfigName {
  /** Scores, DPP selection and the α-weighted SAKD loss (METHOD.md). */
  SAKD("sakd"),
  /** The base method on all training data every epoch. */
  VANILLA("vanilla"),
  /**
   * A uniform subset of SAKD's budget, re-drawn each selection epoch, with the base method's loss.
   */
  RANDOM("random");

  private final String configName;

  RunMode(String configName) {
    this.configName = configName;
  }

  @Override
  public String configName() {
    return configName;
  }

  public static RunMode parse(String name) {
    return ConfigName.parse(RunMode.class, name, "mode");
  }

  /** Whether this mode trains on a subset (and so has selection epochs). */
  public boolean subset() {
    return this != VANILLA;
  }
}

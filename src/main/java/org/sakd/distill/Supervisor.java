package org.sakd.distill;

import org.sakd.config.ConfigName;

/** Which supervision the SAKD loss keeps (METHOD.md §4, the supervisor ablation). */
public enum Supervisor implements ConfigName {
  /** CE with the labels and the teacher's KD term, mixed by α (default). */
  GT_AND_TEACHER("gt+teacher"),
  /** Only the α-weighted KD term. */
  TEACHER("teacher"),
  /** Only the (1 − α)-weighted CE term. */
  GT("gt");

  private final String configName;

  Supervisor(String configName) {
    this.configName = configName;
  }

  /** The name used in configuration files. */
  @Override
  public String configName() {
    return configName;
  }

  /**
   * Parses {@code gt+teacher}, {@code teacher} or {@code gt} (case-insensitive, surrounding blanks
   * ignored).
   */
  public static Supervisor parse(String s) {
    return ConfigName.parse(Supervisor.class, s, "supervisor");
  }
}

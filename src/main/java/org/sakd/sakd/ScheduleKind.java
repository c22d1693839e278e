package org.sakd.sakd;

import java.util.Locale;
import org.sakd.config.ConfigName;

/** The three interruption-rate schedules of METHOD.md section 1 (SAKD, Li et al., ACM MM 2025). */
public enum ScheduleKind implements ConfigName {
  /** β(n) = 1 − (1 − n/N)^0.9 — the paper's default. */
  POLY,
  /** β(n) = n/N. */
  LINEAR,
  /** β(n) = 0.5·(1 − cos(π·n/N)). */
  COSINE;

  @Override
  public String configName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses a config name ({@code poly}, {@code linear}, {@code cosine}; case-insensitive). */
  public static ScheduleKind parse(String name) {
    return ConfigName.parse(ScheduleKind.class, name, "interruption schedule");
  }
}

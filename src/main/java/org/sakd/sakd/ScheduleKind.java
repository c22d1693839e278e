package org.sakd.sakd;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The three interruption-rate schedules of METHOD.md section 1 (SAKD, Li et al., ACM MM 2025). */
public enum ScheduleKind {
  /** β(n) = 1 − (1 − n/N)^0.9 — the paper's default. */
  POLY,
  /** β(n) = n/N. */
  LINEAR,
  /** β(n) = 0.5·(1 − cos(π·n/N)). */
  COSINE;

  /** Parses a config name ({@code poly}, {@code linear}, {@code cosine}; case-insensitive). */
  public static ScheduleKind parse(String name) {
    if (name != null) {
      for (ScheduleKind kind : values()) {
        if (kind.name().equalsIgnoreCase(name.trim())) {
          return kind;
        }
      }
    }
    throw new IllegalArgumentException(
        "unknown interruption schedule '"
            + name
            + "'; allowed values: "
            + Arrays.stream(values())
                .map(k -> k.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", ")));
  }
}

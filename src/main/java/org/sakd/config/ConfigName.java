package org.sakd.config;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * An enum whose constants are chosen by a config name (e.g. {@code difficulty-high}): the single
 * source of a setting's allowed values, used by {@link Settings} for validation and by the code
 * that acts on the choice. One parser for all of them.
 */
public interface ConfigName {
  String configName();

  /** Other names accepted for this constant (e.g. {@code dpp} for {@code dpp-greedy}). */
  default List<String> aliases() {
    return List.of();
  }

  /**
   * The constant named {@code name} (trimmed, case-insensitive); otherwise the allowed names in the
   * message.
   */
  static <E extends Enum<E> & ConfigName> E parse(Class<E> type, String name, String what) {
    E e = find(type, name);
    if (e == null) {
      throw new IllegalArgumentException(
          "unknown " + what + " '" + name + "'; allowed values: " + names(type));
    }
    return e;
  }

  /** The constant named {@code name}, or null. */
  static <E extends Enum<E> & ConfigName> E find(Class<E> type, String name) {
    String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    for (E e : type.getEnumConstants()) {
      if (e.configName().equals(n) || e.aliases().contains(n)) {
        return e;
      }
    }
    return null;
  }

  /** The accepted names, comma-separated, in declaration order, each followed by its aliases. */
  static <E extends Enum<E> & ConfigName> String names(Class<E> type) {
    return Arrays.stream(type.getEnumConstants())
        .flatMap(e -> Stream.concat(Stream.of(e.configName()), e.aliases().stream()))
        .collect(Collectors.joining(", "));
  }
}

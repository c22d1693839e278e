package org.sakd.sakd;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * An enum whose constants are chosen by a config name (e.g. {@code difficulty-high}); one parser
 * for all of them.
 */
interface ConfigName {
  String configName();

  /**
   * The constant named {@code name} (trimmed, case-insensitive); otherwise the allowed names in the
   * message.
   */
  static <E extends Enum<E> & ConfigName> E parse(Class<E> type, String name, String what) {
    String n = name == null ? "" : name.trim().toLowerCase(Locale.ROOT);
    for (E e : type.getEnumConstants()) {
      if (e.configName().equals(n)) {
        return e;
      }
    }
    throw new IllegalArgumentException(
        "unknown " + what + " '" + name + "'; allowed values: " + names(type));
  }

  static <E extends Enum<E> & ConfigName> String names(Class<E> type) {
    return Arrays.stream(type.getEnumConstants())
        .map(ConfigName::configName)
        .collect(Collectors.joining(", "));
  }
}

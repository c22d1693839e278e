package org.sakd.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads typed values from a resolved Config, turning every failure into a SettingsException with
 * its key.
 */
final class ConfigReader {
  private final Config config;

  ConfigReader(Config config) {
    this.config = config;
  }

  private Object raw(String key) {
    return config.hasPath(key) ? config.getValue(key).unwrapped() : "(missing)";
  }

  String string(String key) {
    try {
      return config.getString(key);
    } catch (ConfigException e) {
      throw new SettingsException(key, raw(key), "a string");
    }
  }

  String oneOf(String key, Set<String> allowed) {
    String v = string(key).trim().toLowerCase();
    if (!allowed.contains(v)) {
      throw new SettingsException(
          key, string(key), "one of " + String.join(", ", new java.util.TreeSet<>(allowed)));
    }
    return v;
  }

  /** The constant of {@code type} the value names; otherwise the key and the allowed names. */
  <E extends Enum<E> & ConfigName> E choice(String key, Class<E> type) {
    E e = ConfigName.find(type, string(key));
    if (e == null) {
      throw new SettingsException(key, string(key), "one of " + ConfigName.names(type));
    }
    return e;
  }

  int intIn(String key, int min, int max) {
    int v;
    try {
      // getInt alone truncates 2.5 to 2: a fractional value is refused, not rounded
      Number n = config.getNumber(key);
      if (n.doubleValue() != Math.rint(n.doubleValue())) {
        throw new SettingsException(key, raw(key), "an integer in [" + min + ", " + max + "]");
      }
      v = config.getInt(key);
    } catch (ConfigException e) {
      throw new SettingsException(key, raw(key), "an integer in [" + min + ", " + max + "]");
    }
    if (v < min || v > max) {
      throw new SettingsException(key, v, "an integer in [" + min + ", " + max + "]");
    }
    return v;
  }

  long longValue(String key) {
    try {
      return config.getLong(key);
    } catch (ConfigException e) {
      throw new SettingsException(key, raw(key), "an integer");
    }
  }

  double doubleIn(String key, double min, double max, boolean minExclusive) {
    double v;
    String allowed = "a number in " + (minExclusive ? "(" : "[") + min + ", " + max + "]";
    try {
      v = config.getDouble(key);
    } catch (ConfigException e) {
      throw new SettingsException(key, raw(key), allowed);
    }
    if (Double.isNaN(v) || v < min || v > max || (minExclusive && v == min)) {
      throw new SettingsException(key, v, allowed);
    }
    return v;
  }

  boolean bool(String key) {
    try {
      return config.getBoolean(key);
    } catch (ConfigException e) {
      throw new SettingsException(key, raw(key), "true or false");
    }
  }

  List<String> strings(String key, int minSize) {
    List<String> v;
    try {
      v = config.getStringList(key);
    } catch (ConfigException e) {
      throw new SettingsException(key, raw(key), "a list of strings");
    }
    if (v.size() < minSize) {
      throw new SettingsException(key, v, "a list of at least " + minSize + " entries");
    }
    return v;
  }

  float[] floats(String key, int size, double min, double max) {
    List<Double> v;
    try {
      v = config.getDoubleList(key);
    } catch (ConfigException e) {
      throw new SettingsException(key, raw(key), "a list of " + size + " numbers");
    }
    if (v.size() != size) {
      throw new SettingsException(key, v, "a list of exactly " + size + " numbers");
    }
    float[] out = new float[size];
    for (int i = 0; i < size; i++) {
      double d = v.get(i);
      if (d < min || d > max) {
        throw new SettingsException(key, v, "numbers in [" + min + ", " + max + "]");
      }
      out[i] = (float) d;
    }
    return out;
  }

  int[] intsIn(String key, int min, int max) {
    List<Integer> v;
    try {
      v = config.getIntList(key);
    } catch (ConfigException e) {
      throw new SettingsException(key, raw(key), "a list of integers");
    }
    int[] out = new int[v.size()];
    for (int i = 0; i < out.length; i++) {
      if (v.get(i) < min || v.get(i) > max) {
        throw new SettingsException(key, v, "integers in [" + min + ", " + max + "]");
      }
      out[i] = v.get(i);
    }
    return out;
  }

  static List<String> unknownKeys(Config given, Config defaults) {
    List<String> unknown = new ArrayList<>();
    for (var e : given.entrySet()) {
      String k = e.getKey();
      if (!k.startsWith("pekko.") && !k.startsWith("cluster.") && !defaults.hasPath(k)) {
        unknown.add(k);
      }
    }
    return unknown;
  }
}

package org.sakd.config;

/**
 * A configuration value that cannot be used: names the key path, the value given and what is
 * allowed.
 */
public final class SettingsException extends RuntimeException {
  private final String key;

  public SettingsException(String key, Object value, String allowed) {
    super("bad setting " + key + " = " + value + ": allowed " + allowed);
    this.key = key;
  }

  public String key() {
    return key;
  }
}

package org.sakd.data;

import org.sakd.config.ConfigName;

/** data.train-sampling: where a training clip starts in its video. */
public enum Sampling implements ConfigName {
  /** The same clip of each video every epoch (decoded clips and teacher outputs can be cached). */
  FIXED("fixed"),
  /** A new random clip of each video every epoch (the usual video augmentation). */
  RANDOM("random");

  private final String configName;

  Sampling(String configName) {
    this.configName = configName;
  }

  @Override
  public String configName() {
    return configName;
  }
}

package org.sakd.distill;

import java.util.Map;
import java.util.TreeMap;

/**
 * Hyper-parameters of one base KD method. {@code extra} holds the method-specific ones (DKD's α_D,
 * β_D, CTKD's temperature range, ...); {@link Distillers#defaults} lists which keys each method
 * accepts.
 *
 * @param temperature τ (for CTKD: the initial value of the learned temperature)
 * @param ceWeight w_ce
 * @param kdWeight w_kd, the weight of the logit-KD term
 * @param extra method-specific settings
 */
public record DistillSettings(
    double temperature, double ceWeight, double kdWeight, Map<String, Double> extra) {

  public DistillSettings {
    if (!(temperature > 0) || Double.isInfinite(temperature)) {
      throw new IllegalArgumentException(
          "temperature must be a positive finite number, got " + temperature);
    }
    if (!(ceWeight >= 0) || Double.isInfinite(ceWeight)) {
      throw new IllegalArgumentException("ceWeight must be a finite number >= 0, got " + ceWeight);
    }
    if (!(kdWeight >= 0) || Double.isInfinite(kdWeight)) {
      throw new IllegalArgumentException("kdWeight must be a finite number >= 0, got " + kdWeight);
    }
    extra = Map.copyOf(extra == null ? Map.of() : extra);
    for (Map.Entry<String, Double> e : extra.entrySet()) {
      if (e.getValue() == null || !Double.isFinite(e.getValue())) {
        throw new IllegalArgumentException(
            "extra setting '" + e.getKey() + "' must be finite, got " + e.getValue());
      }
    }
  }

  /** The extra setting {@code key}; an exception names it when absent. */
  public double extra(String key) {
    Double v = extra.get(key);
    if (v == null) {
      throw new IllegalArgumentException(
          "missing extra setting '" + key + "'; present: " + new TreeMap<>(extra).keySet());
    }
    return v;
  }

  /** A positive whole-number extra setting (a width, an epoch count). */
  public int extraPositiveInt(String key) {
    double v = extra(key);
    if (v < 1 || v != Math.rint(v) || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(
          "extra setting '" + key + "' must be a positive whole number, got " + v);
    }
    return (int) v;
  }

  /** A non-negative extra setting (a weight). */
  public double extraNonNegative(String key) {
    double v = extra(key);
    if (v < 0) {
      throw new IllegalArgumentException("extra setting '" + key + "' must be >= 0, got " + v);
    }
    return v;
  }

  /** A copy with one extra setting replaced or added. */
  public DistillSettings withExtra(String key, double value) {
    Map<String, Double> m = new TreeMap<>(extra);
    m.put(key, value);
    return new DistillSettings(temperature, ceWeight, kdWeight, m);
  }
}

package org.sakd.distill;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * The registry of base KD methods by configuration name, with their default settings (METHOD.md
 * §7).
 */
public final class Distillers {

  private record Entry(DistillSettings defaults, Function<DistillSettings, Distiller> factory) {}

  private static final Map<String, Entry> REGISTRY = new LinkedHashMap<>();

  static {
    REGISTRY.put("kd", new Entry(new DistillSettings(4.0, 0.1, 0.9, Map.of()), KdDistiller::new));
    REGISTRY.put(
        "dkd",
        new Entry(
            new DistillSettings(
                4.0, 1.0, 1.0, Map.of("alphaD", 1.0, "betaD", 8.0, "warmupEpochs", 20.0)),
            DkdDistiller::new));
    REGISTRY.put(
        "ctkd",
        new Entry(
            new DistillSettings(
                4.0, 0.1, 0.9, Map.of("tauMin", 1.0, "tauRange", 19.0, "rampEpochs", 10.0)),
            CtkdDistiller::new));
    REGISTRY.put(
        "crosskd", new Entry(new DistillSettings(4.0, 0.1, 0.9, Map.of()), CrossKdDistiller::new));
    REGISTRY.put(
        "dualkd",
        new Entry(
            new DistillSettings(
                4.0,
                0.1,
                0.9,
                Map.of("otWeight", 1.0, "sinkhornEpsilon", 0.1, "sinkhornIterations", 20.0)),
            DualKdDistiller::new));
    REGISTRY.put(
        "gkd",
        new Entry(
            new DistillSettings(
                4.0,
                0.1,
                0.9,
                Map.of(
                    "reconstructionWeight",
                    1.0,
                    "klWeight",
                    0.01,
                    "warmupEpochs",
                    20.0,
                    "hiddenDim",
                    256.0,
                    "latentDim",
                    64.0)),
            GkdDistiller::new));
  }

  private Distillers() {}

  /** The registered names in a fixed order: kd, dkd, ctkd, crosskd, dualkd, gkd. */
  public static List<String> names() {
    return List.copyOf(REGISTRY.keySet());
  }

  /** The method's default settings (its extra map lists every extra key it accepts). */
  public static DistillSettings defaults(String name) {
    return entry(name).defaults();
  }

  /**
   * Builds a distiller. Extra keys missing from {@code s} are taken from the defaults, so a recipe
   * overrides only what it names; a key the method does not know is rejected.
   */
  public static Distiller create(String name, DistillSettings s) {
    Entry e = entry(name);
    if (s == null) {
      return e.factory().apply(e.defaults());
    }
    Map<String, Double> merged = new TreeMap<>(e.defaults().extra());
    for (Map.Entry<String, Double> x : s.extra().entrySet()) {
      if (!merged.containsKey(x.getKey())) {
        throw new IllegalArgumentException(
            "method '"
                + key(name)
                + "' has no extra setting '"
                + x.getKey()
                + "'; allowed: "
                + new TreeMap<>(e.defaults().extra()).keySet());
      }
      merged.put(x.getKey(), x.getValue());
    }
    return e.factory()
        .apply(new DistillSettings(s.temperature(), s.ceWeight(), s.kdWeight(), merged));
  }

  /**
   * The config key of an extra setting in the method's {@code distill.<method>} block: kebab case
   * ({@code warmupEpochs} → {@code warmup-epochs}); DKD's α_D and β_D are {@code alpha} and {@code
   * beta}.
   */
  public static String configKey(String extraKey) {
    return switch (extraKey) {
      case "alphaD" -> "alpha";
      case "betaD" -> "beta";
      default -> extraKey.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    };
  }

  /** Whether an extra setting is a whole number (an epoch count, a width, an iteration count). */
  public static boolean wholeNumber(String extraKey) {
    return extraKey.endsWith("Epochs")
        || extraKey.endsWith("Dim")
        || extraKey.endsWith("Iterations");
  }

  private static Entry entry(String name) {
    Entry e = name == null ? null : REGISTRY.get(key(name));
    if (e == null) {
      throw new IllegalArgumentException(
          "unknown distillation method '" + name + "'; allowed: " + names());
    }
    return e;
  }

  private static String key(String name) {
    return name.trim().toLowerCase(Locale.ROOT);
  }
}

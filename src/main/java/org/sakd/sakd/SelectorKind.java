package org.sakd.sakd;

import java.util.List;
import org.sakd.config.ConfigName;

/** sakd.selector: how the subset is chosen from the scores (METHOD.md section 5). */
public enum SelectorKind implements ConfigName {
  /** Exact k-DPP sampling in the dual space (Kulesza &amp; Taskar 2011). */
  DPP_SAMPLE("dpp-sample"),
  /** Greedy MAP inference of the DPP (Chen et al. 2018); {@code dpp} is an alias. */
  DPP_GREEDY("dpp-greedy", "dpp"),
  /** Greedy on γ·Σq + (1−γ)·log det, the additive objective. */
  DPP_ADDITIVE("dpp-additive"),
  /** A uniform subset. */
  RANDOM("random"),
  /** The k highest qualities. */
  TOPK("topk");

  private final String configName;
  private final List<String> aliases;

  SelectorKind(String configName, String... aliases) {
    this.configName = configName;
    this.aliases = List.of(aliases);
  }

  @Override
  public String configName() {
    return configName;
  }

  @Override
  public List<String> aliases() {
    return aliases;
  }

  public static SelectorKind parse(String name) {
    return ConfigName.parse(SelectorKind.class, name, "selector");
  }
}

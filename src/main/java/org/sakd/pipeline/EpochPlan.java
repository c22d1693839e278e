package org.sakd.pipeline;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.sakd.config.Settings;
import org.sakd.data.Sample;
import org.sakd.data.Sampling;
import org.sakd.sakd.RunMode;
import org.sakd.sakd.Selectors;
import org.sakd.train.ClipLoader;

/**
 * What one epoch of a distillation run does, decided from the settings alone (no actors, no
 * tensors, no I/O): whether it selects, whether it anneals, which loss it trains with, the random
 * control's subset, the order it trains in and every seed it draws. The coordinator asks this plan
 * and carries it out; a resumed run asks the same questions and gets the same answers.
 *
 * @param epoch the epoch, 0-based
 * @param mode distill.mode
 * @param selects whether the epoch scores and selects (sakd) or draws (random) a new subset
 * @param annealing whether it is one of the last sakd.anneal-epochs (full set, base loss, no
 *     scoring; an InfoBatch-style extension beyond the paper)
 */
public record EpochPlan(int epoch, RunMode mode, boolean selects, boolean annealing, long runSeed) {

  /**
   * The plan of {@code epoch}; {@code hasSubset}: whether an earlier epoch (or the checkpoint
   * resumed from) left a subset to reuse.
   */
  public static EpochPlan of(Settings s, int epoch, boolean hasSubset) {
    RunMode mode = s.distill().mode();
    boolean annealing = mode.subset() && epoch >= s.train().epochs() - s.sakd().annealEpochs();
    boolean selects =
        mode.subset() && !annealing && (epoch % s.sakd().interval() == 0 || !hasSubset);
    return new EpochPlan(epoch, mode, selects, annealing, s.run().seed());
  }

  /** Whether this epoch trains on every training clip (vanilla, or annealing). */
  public boolean trainsOnAll() {
    return mode == RunMode.VANILLA || annealing;
  }

  /** Whether the training loss is SAKD's α-weighted one (else the base method's own). */
  public boolean sakdLoss() {
    return mode == RunMode.SAKD && !annealing;
  }

  /** Whether this epoch runs the scoring pass and the DPP (sakd mode's selection epochs). */
  public boolean scores() {
    return selects && mode == RunMode.SAKD;
  }

  /** The random control's subset of this epoch: a uniform draw of SAKD's budget. */
  public int[] randomSubset(int n, double ratio) {
    return randomSubset(n, Selectors.budget(ratio, n), new Random(seed(11)));
  }

  /** A uniform subset of size k, ascending (the "random" baseline at SAKD's budget). */
  static int[] randomSubset(int n, int k, Random rng) {
    List<Integer> ids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ids.add(i);
    }
    Collections.shuffle(ids, rng);
    int[] out = ids.subList(0, Math.min(k, n)).stream().mapToInt(Integer::intValue).toArray();
    Arrays.sort(out);
    return out;
  }

  /** The clips this epoch trains on, in the order it trains them (shuffled by the epoch's seed). */
  public List<Sample> order(List<Sample> train, int[] subset) {
    List<Sample> order = new ArrayList<>();
    if (trainsOnAll()) {
      order.addAll(train);
    } else {
      for (int id : subset) {
        order.add(train.get(id));
      }
    }
    Collections.shuffle(order, new Random(seed(17)));
    return order;
  }

  /** The seed the selector draws with (dpp-sample, random selector). */
  public long selectSeed() {
    return seed(13);
  }

  /** The seed of the interrupted clips' frame choice. */
  public long interruptSeed() {
    return seed(19);
  }

  /** The seed of a training clip's position in its video (the same every epoch when fixed). */
  public long clipSeed(Sampling sampling, Sample smp) {
    return ClipLoader.clipSeed(runSeed, sampling == Sampling.FIXED ? 0 : epoch + 1, smp.index());
  }

  private long seed(int salt) {
    return ClipLoader.clipSeed(runSeed, epoch, -salt);
  }

  /** The mean α of the selected samples, NaN when the epoch does not use α. */
  public static double meanAlpha(int[] subset, float[] alpha) {
    if (alpha == null || subset == null || subset.length == 0) {
      return Double.NaN;
    }
    double sum = 0;
    for (int id : subset) {
      sum += alpha[id];
    }
    return sum / subset.length;
  }
}

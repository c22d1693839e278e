package org.sakd.sakd;

import java.util.Arrays;
import java.util.Random;
import org.sakd.proto.SelectionStateProto;

/**
 * SAKD's per-sample state across selection rounds (METHOD.md sections 2–5): selection counts c,
 * distillation strength α, the fused feature bank F, the current subset, the epoch of the last
 * selection and the number of rounds. One {@link #applyRound} is one selection epoch's "update α
 * and F → select S" step. Not thread-safe: one owner (the selector stage) mutates it.
 */
public final class SelectionState {

  private final int samples;
  private final int[] counts;
  private float[] alpha;
  private FeatureBank bank;
  private int[] subset;
  private int lastEpoch;
  private int rounds;

  public SelectionState(int samples) {
    if (samples < 1) {
      throw new IllegalArgumentException(
          "selection state needs at least one training sample, got " + samples);
    }
    this.samples = samples;
    this.counts = new int[samples];
    this.subset = new int[0];
    this.lastEpoch = -1;
  }

  /**
   * One selection round at {@code epoch}: d from the KD terms and the history prior, q = d or 1 − d
   * by the policy's direction, α (at the policy's scale) and F updated, k = round(ratio·N) samples
   * selected with quality q, and c_i += 1 for each of them.
   *
   * @param kdTerms ℓ_i, the base method's per-sample KD term on the interrupted clip
   * @param features f_i, the teacher's pooled features of the interrupted clips (samples × dim,
   *     row-major)
   * @param shufflePhase β ≥ η: the feature bank stays frozen
   */
  public SelectionRound applyRound(
      int epoch,
      double[] kdTerms,
      float[] features,
      int dim,
      double beta,
      boolean shufflePhase,
      SelectionPolicy policy,
      SubsetSelector selector,
      double ratio,
      Random rng) {
    if (policy == null) {
      throw new IllegalArgumentException("a selection policy is required");
    }
    double lambda = policy.lambda();
    if (epoch <= lastEpoch) {
      throw new IllegalArgumentException(
          "selection epoch " + epoch + " is not after the last one (" + lastEpoch + ")");
    }
    if (selector == null) {
      throw new IllegalArgumentException("a subset selector is required");
    }
    if (bank != null && bank.dim() != dim) {
      throw new IllegalArgumentException("feature dim changed from " + bank.dim() + " to " + dim);
    }
    double[] d = DifficultyScores.normalise(kdTerms, counts);
    double[] q = policy.direction().quality(d);
    float[] newAlpha =
        DistillationStrength.update(
            alpha, q, policy.alphaForm().strength(beta, policy.eta()), lambda);
    FeatureBank nextBank = bank != null ? bank : new FeatureBank(samples, dim);
    nextBank.update(features, shufflePhase, lambda);
    int k = Selectors.budget(ratio, samples);
    int[] selected = selector.select(nextBank.selectionInput(q), k, rng);
    checkSubset(selected, k);
    for (int i : selected) {
      counts[i]++;
    }
    alpha = newAlpha;
    bank = nextBank;
    subset = selected.clone();
    lastEpoch = epoch;
    rounds++;
    return new SelectionRound(epoch, beta, d, newAlpha.clone(), selected.clone());
  }

  public int samples() {
    return samples;
  }

  public int[] counts() {
    return counts.clone();
  }

  /** α per sample, or null before the first round. */
  public float[] alpha() {
    return alpha == null ? null : alpha.clone();
  }

  /** F (row-major), or null before the first round. */
  public float[] features() {
    return bank == null ? null : bank.snapshot();
  }

  /** Feature dimension, 0 before the first round. */
  public int featureDim() {
    return bank == null ? 0 : bank.dim();
  }

  public int[] subset() {
    return subset.clone();
  }

  public int lastEpoch() {
    return lastEpoch;
  }

  public int rounds() {
    return rounds;
  }

  public SelectionStateProto toProto() {
    SelectionStateProto.Builder b =
        SelectionStateProto.newBuilder().setSamples(samples).setEpoch(lastEpoch).setRounds(rounds);
    for (int c : counts) {
      b.addCounts(c);
    }
    for (int i : subset) {
      b.addSubset(i);
    }
    if (alpha != null) {
      b.setHasAlpha(true);
      for (float a : alpha) {
        b.addAlpha(a);
      }
    }
    if (bank != null) {
      b.setHasFeatures(true).setFeatureDim(bank.dim());
      for (float f : bank.snapshot()) {
        b.addFeatures(f);
      }
    }
    return b.build();
  }

  /** Restores a checkpointed state exactly; inconsistent sizes are rejected. */
  public static SelectionState fromProto(SelectionStateProto proto) {
    int n = proto.getSamples();
    if (n < 1 || proto.getCountsCount() != n) {
      throw new IllegalArgumentException(
          "checkpointed selection state has samples="
              + n
              + " but "
              + proto.getCountsCount()
              + " counts");
    }
    SelectionState state = new SelectionState(n);
    for (int i = 0; i < n; i++) {
      if (proto.getCounts(i) < 0) {
        throw new IllegalArgumentException(
            "checkpointed selection count of sample " + i + " is negative");
      }
      state.counts[i] = proto.getCounts(i);
    }
    if (proto.getHasAlpha()) {
      if (proto.getAlphaCount() != n) {
        throw new IllegalArgumentException(
            "checkpointed alpha has " + proto.getAlphaCount() + " values for " + n + " samples");
      }
      state.alpha = new float[n];
      for (int i = 0; i < n; i++) {
        state.alpha[i] = proto.getAlpha(i);
      }
    }
    if (proto.getHasFeatures()) {
      int dim = proto.getFeatureDim();
      if (dim < 1 || proto.getFeaturesCount() != (long) n * dim) {
        throw new IllegalArgumentException(
            "checkpointed feature bank has "
                + proto.getFeaturesCount()
                + " values, expected samples×feature_dim = "
                + n
                + "×"
                + dim);
      }
      float[] f = new float[n * dim];
      for (int i = 0; i < f.length; i++) {
        f[i] = proto.getFeatures(i);
      }
      state.bank = FeatureBank.restore(n, dim, f);
    }
    state.subset = proto.getSubsetList().stream().mapToInt(Integer::intValue).toArray();
    for (int i : state.subset) {
      if (i < 0 || i >= n) {
        throw new IllegalArgumentException(
            "checkpointed subset holds sample id " + i + " outside [0, " + n + ")");
      }
    }
    state.lastEpoch = proto.getEpoch();
    state.rounds = proto.getRounds();
    return state;
  }

  private void checkSubset(int[] selected, int k) {
    if (selected == null || selected.length != k) {
      throw new IllegalStateException(
          "selector returned "
              + (selected == null ? "null" : selected.length)
              + " ids, budget is "
              + k);
    }
    boolean[] seen = new boolean[samples];
    for (int i : selected) {
      if (i < 0 || i >= samples || seen[i]) {
        throw new IllegalStateException("selector returned an invalid or repeated sample id " + i);
      }
      seen[i] = true;
    }
  }

  @Override
  public String toString() {
    return "SelectionState[samples="
        + samples
        + ", rounds="
        + rounds
        + ", lastEpoch="
        + lastEpoch
        + ", subset="
        + subset.length
        + ", counts="
        + Arrays.stream(counts).sum()
        + "]";
  }
}

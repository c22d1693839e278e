package org.sakd.train;

/** Running Top-1 / Top-5 counts over logits rows. */
public final class TopK {
  private long samples;
  private long top1;
  private long top5;

  /**
   * Adds a batch of logits (row-major N×K) with their labels. A row with a non-finite logit counts
   * as wrong for Top-1 and Top-5: every comparison with NaN is false, so a NaN row would otherwise
   * rank its target first.
   */
  public void add(float[] logits, int classes, int[] labels) {
    int n = labels.length;
    for (int i = 0; i < n; i++) {
      float target = logits[i * classes + labels[i]];
      int higher = 0;
      for (int k = 0; k < classes; k++) {
        float v = logits[i * classes + k];
        if (!Float.isFinite(v)) {
          higher = Integer.MAX_VALUE;
          break;
        }
        // ties broken against the target so that a constant output never counts as correct
        if (v > target || (v == target && k < labels[i])) {
          higher++;
        }
      }
      if (higher == 0) {
        top1++;
      }
      if (higher < 5) {
        top5++;
      }
      samples++;
    }
  }

  public long samples() {
    return samples;
  }

  public double top1() {
    return samples == 0 ? 0 : 100.0 * top1 / samples;
  }

  public double top5() {
    return samples == 0 ? 0 : 100.0 * top5 / samples;
  }
}

package org.sakd.train;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Multi-view test scores: the softmax of every view of a sample is summed (SlowFast's multi-view
 * testing averages the views' predictions), then Top-1/Top-5 are taken over the averaged scores. A
 * sample with a view that failed to decode is scored on the views that did.
 */
public final class ViewVotes {
  private final int classes;
  private final Map<Integer, float[]> sums = new LinkedHashMap<>();
  private final Map<Integer, Integer> labels = new LinkedHashMap<>();

  public ViewVotes(int classes) {
    this.classes = classes;
  }

  /** Adds one view's logits (row-major N×K) for samples {@code ids}. */
  public synchronized void add(int[] ids, int[] rowLabels, float[] logits) {
    for (int i = 0; i < ids.length; i++) {
      float max = Float.NEGATIVE_INFINITY;
      for (int k = 0; k < classes; k++) {
        max = Math.max(max, logits[i * classes + k]);
      }
      double z = 0;
      for (int k = 0; k < classes; k++) {
        z += Math.exp(logits[i * classes + k] - max);
      }
      float[] sum = sums.computeIfAbsent(ids[i], id -> new float[classes]);
      for (int k = 0; k < classes; k++) {
        sum[k] += (float) (Math.exp(logits[i * classes + k] - max) / z);
      }
      labels.put(ids[i], rowLabels[i]);
    }
  }

  /** The confusion matrix of the averaged scores. */
  public synchronized Confusion confusion() {
    Confusion c = new Confusion(classes);
    for (var e : sums.entrySet()) {
      c.add(e.getValue(), new int[] {labels.get(e.getKey())});
    }
    return c;
  }

  public synchronized TopK topK() {
    TopK t = new TopK();
    for (var e : sums.entrySet()) {
      t.add(e.getValue(), classes, new int[] {labels.get(e.getKey())});
    }
    return t;
  }
}

package org.sakd.train;

import java.util.ArrayList;
import java.util.List;

/**
 * A confusion matrix over the test split: counts[true class][predicted class], the prediction being
 * the top-scoring class (ties to the lower class id). A row of scores with a NaN or an infinity has
 * no prediction: it is counted as unpredicted for its class (and as wrong, as in {@link TopK}).
 */
public final class Confusion {
  private final int classes;
  private final long[][] counts;
  private final long[] unpredicted;

  public Confusion(int classes) {
    this.classes = classes;
    this.counts = new long[classes][classes];
    this.unpredicted = new long[classes];
  }

  /** Adds rows of scores (row-major N×K) with their labels. */
  public void add(float[] scores, int[] labels) {
    for (int i = 0; i < labels.length; i++) {
      int best = -1;
      float top = Float.NEGATIVE_INFINITY;
      for (int k = 0; k < classes; k++) {
        float v = scores[i * classes + k];
        if (!Float.isFinite(v)) {
          best = -1;
          break;
        }
        if (best < 0 || v > top) {
          best = k;
          top = v;
        }
      }
      if (best < 0) {
        unpredicted[labels[i]]++;
      } else {
        counts[labels[i]][best]++;
      }
    }
  }

  public int classes() {
    return classes;
  }

  /** How many clips of class {@code truth} were predicted as {@code predicted}. */
  public long count(int truth, int predicted) {
    return counts[truth][predicted];
  }

  /** Test clips of class {@code k}. */
  public long samples(int k) {
    long n = unpredicted[k];
    for (long c : counts[k]) {
      n += c;
    }
    return n;
  }

  /** Clips of class {@code k} whose scores were not finite. */
  public long unpredicted(int k) {
    return unpredicted[k];
  }

  /** Top-1 of class {@code k} in percent (NaN when the class has no test clip). */
  public double accuracy(int k) {
    long n = samples(k);
    return n == 0 ? Double.NaN : 100.0 * counts[k][k] / n;
  }

  /** The class that clips of class {@code k} are most often mistaken for, or -1 if never. */
  public int mostConfusedWith(int k) {
    int worst = -1;
    for (int j = 0; j < classes; j++) {
      if (j != k && counts[k][j] > 0 && (worst < 0 || counts[k][j] > counts[k][worst])) {
        worst = j;
      }
    }
    return worst;
  }

  /** The matrix as rows of fractions of each true class (0 for a class without clips). */
  public List<double[]> rowFractions() {
    List<double[]> rows = new ArrayList<>();
    for (int k = 0; k < classes; k++) {
      double[] r = new double[classes];
      long n = samples(k);
      for (int j = 0; j < classes; j++) {
        r[j] = n == 0 ? 0 : (double) counts[k][j] / n;
      }
      rows.add(r);
    }
    return rows;
  }
}

package org.sakd.sakd;

/**
 * Outcome of one selection epoch: difficulty d, the distillation strength α the trainer uses until
 * the next selection, and the selected sample ids (in selection order).
 */
public record SelectionRound(
    int epoch, double beta, double[] difficulty, float[] alpha, int[] selected) {}

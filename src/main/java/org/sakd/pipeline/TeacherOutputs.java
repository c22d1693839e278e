package org.sakd.pipeline;

/** The frozen teacher's outputs for a batch: logits (N×K) and pooled features (N×D), row-major. */
public record TeacherOutputs(
    int[] ids, float[] logits, int classes, float[] features, int featureDim) {
  public int size() {
    return ids.length;
  }

  public TeacherOutputs slice(int from, int to) {
    return new TeacherOutputs(
        java.util.Arrays.copyOfRange(ids, from, to),
        java.util.Arrays.copyOfRange(logits, from * classes, to * classes),
        classes,
        java.util.Arrays.copyOfRange(features, from * featureDim, to * featureDim),
        featureDim);
  }
}

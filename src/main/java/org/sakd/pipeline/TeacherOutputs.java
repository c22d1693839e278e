package org.sakd.pipeline;

/** The frozen teacher's outputs for a batch: logits (N×K) and pooled features (N×D), row-major. */
public record TeacherOutputs(
    int[] ids, float[] logits, int classes, float[] features, int featureDim) {
  public int size() {
    return ids.length;
  }

  /** {@code parts}' rows, in order, as one batch's outputs. */
  public static TeacherOutputs concat(java.util.List<TeacherOutputs> parts) {
    if (parts.size() == 1) {
      return parts.get(0);
    }
    TeacherOutputs first = parts.get(0);
    int n = parts.stream().mapToInt(TeacherOutputs::size).sum();
    int[] ids = new int[n];
    float[] logits = new float[n * first.classes()];
    float[] features = new float[n * first.featureDim()];
    int row = 0;
    for (TeacherOutputs p : parts) {
      System.arraycopy(p.ids(), 0, ids, row, p.size());
      System.arraycopy(p.logits(), 0, logits, row * first.classes(), p.logits().length);
      System.arraycopy(p.features(), 0, features, row * first.featureDim(), p.features().length);
      row += p.size();
    }
    return new TeacherOutputs(ids, logits, first.classes(), features, first.featureDim());
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

package org.sakd.distill;

import ai.djl.ndarray.NDArray;

/**
 * Everything a base KD method may look at for one batch of N samples with K classes.
 *
 * <p>Teacher arrays ({@code teacherLogits}, {@code teacherFeature}, {@code teacherHeadWeight},
 * {@code teacherHeadBias}) are constants: they must not be attached to a gradient collector.
 * Student arrays may be. {@code epoch} is 0-based and drives the methods' warm-ups; {@code
 * training} is false in the SAKD scoring pass (stochastic parts then become deterministic).
 *
 * @param studentLogits N×K
 * @param studentFeature N×Ds pooled student feature
 * @param teacherLogits N×K
 * @param teacherFeature N×Dt pooled teacher feature (the input of the teacher's classifier)
 * @param labels N class ids (integer type)
 * @param teacherHeadWeight K×Dt frozen teacher classifier weight
 * @param teacherHeadBias K frozen teacher classifier bias
 */
public record DistillInput(
    NDArray studentLogits,
    NDArray studentFeature,
    NDArray teacherLogits,
    NDArray teacherFeature,
    NDArray labels,
    NDArray teacherHeadWeight,
    NDArray teacherHeadBias,
    int epoch,
    boolean training) {

  public DistillInput {
    require(studentLogits, "studentLogits", 2);
    // teacherLogits is null only in a run without a teacher (CrossEntropyDistiller)
    if (teacherLogits != null) {
      require(teacherLogits, "teacherLogits", 2);
    }
    require(labels, "labels", 1);
    long n = studentLogits.getShape().get(0);
    long k = studentLogits.getShape().get(1);
    if (teacherLogits != null && !teacherLogits.getShape().equals(studentLogits.getShape())) {
      throw new IllegalArgumentException(
          "teacherLogits shape "
              + teacherLogits.getShape()
              + " differs from studentLogits shape "
              + studentLogits.getShape());
    }
    if (labels.getShape().get(0) != n) {
      throw new IllegalArgumentException(
          "labels has "
              + labels.getShape().get(0)
              + " entries but the batch has "
              + n
              + " samples");
    }
    if (!labels.getDataType().isInteger()) {
      throw new IllegalArgumentException(
          "labels must hold integer class ids, got " + labels.getDataType());
    }
    if (studentFeature != null) {
      requireRows(studentFeature, "studentFeature", n);
    }
    if (teacherFeature != null) {
      requireRows(teacherFeature, "teacherFeature", n);
    }
    if (teacherHeadWeight != null) {
      require(teacherHeadWeight, "teacherHeadWeight", 2);
      if (teacherHeadWeight.getShape().get(0) != k) {
        throw new IllegalArgumentException(
            "teacherHeadWeight must be K×Dt with K = "
                + k
                + ", got "
                + teacherHeadWeight.getShape());
      }
      if (teacherFeature != null
          && teacherHeadWeight.getShape().get(1) != teacherFeature.getShape().get(1)) {
        throw new IllegalArgumentException(
            "teacherHeadWeight "
                + teacherHeadWeight.getShape()
                + " does not match teacherFeature width "
                + teacherFeature.getShape().get(1));
      }
    }
    if (teacherHeadBias != null) {
      require(teacherHeadBias, "teacherHeadBias", 1);
      if (teacherHeadBias.getShape().get(0) != k) {
        throw new IllegalArgumentException(
            "teacherHeadBias must have K = " + k + " entries, got " + teacherHeadBias.getShape());
      }
    }
    if (epoch < 0) {
      throw new IllegalArgumentException("epoch must be >= 0, got " + epoch);
    }
  }

  /** Batch size N. */
  public long batchSize() {
    return studentLogits.getShape().get(0);
  }

  /** Number of classes K. */
  public long numClasses() {
    return studentLogits.getShape().get(1);
  }

  /** The student feature, or an exception naming the method that needs it. */
  NDArray requireStudentFeature(String method) {
    if (studentFeature == null) {
      throw new IllegalArgumentException(
          method + " needs the student's pooled feature, but it is null");
    }
    return studentFeature;
  }

  /** The teacher feature, or an exception naming the method that needs it. */
  NDArray requireTeacherFeature(String method) {
    if (teacherFeature == null) {
      throw new IllegalArgumentException(
          method + " needs the teacher's pooled feature, but it is null");
    }
    return teacherFeature;
  }

  private static void require(NDArray a, String name, int rank) {
    if (a == null) {
      throw new IllegalArgumentException(name + " is null");
    }
    if (a.getShape().dimension() != rank) {
      throw new IllegalArgumentException(
          name + " must have rank " + rank + ", got shape " + a.getShape());
    }
  }

  private static void requireRows(NDArray a, String name, long n) {
    require(a, name, 2);
    if (a.getShape().get(0) != n) {
      throw new IllegalArgumentException(
          name + " has " + a.getShape().get(0) + " rows but the batch has " + n + " samples");
    }
  }
}

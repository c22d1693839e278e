package org.sakd.distill;

/** Fixed logits shared by the tests: 4 samples, 5 classes, including a confident and a tied row. */
final class Fixture {

  static final double[][] STUDENT = {
    {1.2, -0.3, 0.5, 2.0, -1.1},
    {0.0, 0.0, 0.0, 0.0, 0.0},
    {3.5, 1.0, -2.0, 0.3, 0.8},
    {-0.7, 2.2, 1.9, -1.5, 0.4},
  };
  static final double[][] TEACHER = {
    {2.5, -1.0, 0.2, 1.1, -0.4},
    {0.9, -0.6, 3.0, 0.1, -2.2},
    {6.0, 0.5, -1.0, -0.5, 1.5},
    {-1.0, 4.0, 0.5, -2.0, 1.0},
  };
  static final int[] LABELS = {0, 2, 0, 1};

  private Fixture() {}
}

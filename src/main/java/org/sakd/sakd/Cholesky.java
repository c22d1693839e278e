package org.sakd.sakd;

/**
 * Plain double-precision Cholesky for the objective (lower triangle of a symmetric
 * positive-definite matrix).
 */
final class Cholesky {

  private Cholesky() {}

  /** log det A from the lower triangle of A (overwritten with the factor). */
  static double logDet(double[][] a) {
    int n = a.length;
    double logDet = 0.0;
    for (int j = 0; j < n; j++) {
      double[] rowJ = a[j];
      double diag = rowJ[j];
      for (int p = 0; p < j; p++) {
        diag -= rowJ[p] * rowJ[p];
      }
      if (!(diag > 0.0)) {
        throw new IllegalStateException(
            "matrix is not positive definite at pivot " + j + " (" + diag + ")");
      }
      double ljj = Math.sqrt(diag);
      rowJ[j] = ljj;
      logDet += 2.0 * Math.log(ljj);
      for (int i = j + 1; i < n; i++) {
        double[] rowI = a[i];
        double v = rowI[j];
        for (int p = 0; p < j; p++) {
          v -= rowI[p] * rowJ[p];
        }
        rowI[j] = v / ljj;
      }
    }
    return logDet;
  }
}

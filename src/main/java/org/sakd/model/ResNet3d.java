package org.sakd.model;

import static org.sakd.model.ConvLayers.batchNorm;
import static org.sakd.model.ConvLayers.conv3d;
import static org.sakd.model.ConvLayers.shape;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;

/**
 * 3D ResNets with basic blocks, R3D (Tran et al., "A Closer Look at Spatiotemporal Convolutions",
 * CVPR 2018): a 3×7×7 stem with spatial stride 2, then four stages of 3×3×3 units; stages 2–4 halve
 * T, H and W.
 */
final class ResNet3d {

  private ResNet3d() {}

  /**
   * @param blocks units per stage (four stages)
   * @param stemWidth stem channels; stage widths are stemWidth·(1, 2, 4, 8)
   * @param stemPool a 1×3×3 stride-(1,2,2) max-pool after the stem, which the CPU presets use to
   *     cut FLOPs 4×
   * @param clipShape one sample's input (C, T, H, W)
   */
  record Spec(int[] blocks, int stemWidth, Shape stemKernel, boolean stemPool, Shape clipShape) {
    Spec {
      if (blocks.length != 4) {
        throw new IllegalArgumentException("R3D has four stages, got " + blocks.length);
      }
      if (stemWidth < 1) {
        throw new IllegalArgumentException("stem width must be ≥ 1, got " + stemWidth);
      }
      blocks = blocks.clone();
    }

    /** The same network with every width scaled by {@code multiplier} (at least one channel). */
    Spec widened(double multiplier) {
      if (!(multiplier > 0)) {
        throw new IllegalArgumentException("width multiplier must be > 0, got " + multiplier);
      }
      return new Spec(
          blocks,
          Math.max(1, (int) Math.round(stemWidth * multiplier)),
          stemKernel,
          stemPool,
          clipShape);
    }
  }

  /** The Kinetics-style R3D of the paper: 16×112×112 clips, stem width 64. */
  static Spec standard(int... blocks) {
    return new Spec(blocks, 64, shape(3, 7, 7), false, shape(3, 16, 112, 112));
  }

  static PooledClassifier build(String name, Spec spec, int numClasses) {
    Shape k = spec.stemKernel();
    SequentialBlock backbone =
        new SequentialBlock()
            .add(
                conv3d(
                    spec.stemWidth(),
                    k,
                    shape(1, 2, 2),
                    shape(k.get(0) / 2, k.get(1) / 2, k.get(2) / 2)))
            .add(batchNorm())
            .add(new Relu());
    if (spec.stemPool()) {
      backbone.add(new MaxPool(shape(1, 3, 3), shape(1, 2, 2), shape(0, 1, 1)));
    }
    long channels = spec.stemWidth();
    for (int stage = 0; stage < 4; stage++) {
      int width = spec.stemWidth() << stage;
      for (int unit = 0; unit < spec.blocks()[stage]; unit++) {
        int stride = stage > 0 && unit == 0 ? 2 : 1;
        backbone.add(ResidualUnit.basic3d(channels, width, 3, 3, stride, stride));
        channels = width;
      }
    }
    backbone.add(new GlobalAveragePool());
    return new PooledClassifier(name, backbone, (int) channels, numClasses, spec.clipShape());
  }
}

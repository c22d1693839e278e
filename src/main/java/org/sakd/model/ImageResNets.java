package org.sakd.model;

import static org.sakd.model.ConvLayers.batchNorm;
import static org.sakd.model.ConvLayers.conv2d;
import static org.sakd.model.ConvLayers.shape;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.SequentialBlock;

/**
 * The 2D image networks of the CRD / mdistiller zoo (Tian et al., ICLR 2020; Zhao et al., CVPR
 * 2022). Each takes one-frame clips N×3×1×H×W and drops the time axis first.
 */
final class ImageResNets {

  private static final Shape CIFAR_CLIP = shape(3, 1, 32, 32);
  private static final Shape IMAGENET_CLIP = shape(3, 1, 224, 224);

  private ImageResNets() {}

  /**
   * CIFAR ResNet-depth (He et al., CVPR 2016, §4.2): a 3×3 stem and three stages of (depth − 2) / 6
   * basic units at 32, 16, 8 pixels. {@code widths} are (stem, stage1, stage2, stage3): (16, 16,
   * 32, 64) for the plain nets and (32, 64, 128, 256) for the "x4" nets of CRD.
   */
  static PooledClassifier cifarResNet(String name, int depth, int[] widths, int numClasses) {
    if ((depth - 2) % 6 != 0) {
      throw new IllegalArgumentException("CIFAR ResNet depth must be 6n + 2, got " + depth);
    }
    int units = (depth - 2) / 6;
    SequentialBlock backbone =
        new SequentialBlock()
            .add(new SingleFrame())
            .add(conv2d(widths[0], 3, 1))
            .add(batchNorm())
            .add(new Relu());
    long channels = widths[0];
    for (int stage = 0; stage < 3; stage++) {
      for (int unit = 0; unit < units; unit++) {
        int stride = stage > 0 && unit == 0 ? 2 : 1;
        backbone.add(ResidualUnit.basic2d(channels, widths[stage + 1], stride));
        channels = widths[stage + 1];
      }
    }
    backbone.add(new GlobalAveragePool());
    return new PooledClassifier(name, backbone, (int) channels, numClasses, CIFAR_CLIP);
  }

  /**
   * WRN-depth-k (Zagoruyko & Komodakis, BMVC 2016): three stages of (depth − 4) / 6 pre-activation
   * units of width (16k, 32k, 64k), closed by BN-ReLU before pooling.
   */
  static PooledClassifier wideResNet(String name, int depth, int widen, int numClasses) {
    if ((depth - 4) % 6 != 0) {
      throw new IllegalArgumentException("WRN depth must be 6n + 4, got " + depth);
    }
    int units = (depth - 4) / 6;
    SequentialBlock backbone = new SequentialBlock().add(new SingleFrame()).add(conv2d(16, 3, 1));
    long channels = 16;
    for (int stage = 0; stage < 3; stage++) {
      int width = (16 << stage) * widen;
      for (int unit = 0; unit < units; unit++) {
        int stride = stage > 0 && unit == 0 ? 2 : 1;
        backbone.add(new PreActivationUnit(channels, width, stride));
        channels = width;
      }
    }
    backbone.add(batchNorm()).add(new Relu()).add(new GlobalAveragePool());
    return new PooledClassifier(name, backbone, (int) channels, numClasses, CIFAR_CLIP);
  }

  /**
   * ImageNet ResNet-18/34 (He et al., CVPR 2016, Table 1): 7×7/2 stem, 3×3/2 max-pool, four stages
   * of basic units of width 64·2^i.
   */
  static PooledClassifier imageNetResNet(String name, int[] blocks, int numClasses) {
    SequentialBlock backbone =
        new SequentialBlock()
            .add(new SingleFrame())
            .add(conv2d(64, 7, 2))
            .add(batchNorm())
            .add(new Relu())
            .add(new MaxPool(shape(3, 3), shape(2, 2), shape(1, 1)));
    long channels = 64;
    for (int stage = 0; stage < 4; stage++) {
      int width = 64 << stage;
      for (int unit = 0; unit < blocks[stage]; unit++) {
        int stride = stage > 0 && unit == 0 ? 2 : 1;
        backbone.add(ResidualUnit.basic2d(channels, width, stride));
        channels = width;
      }
    }
    backbone.add(new GlobalAveragePool());
    return new PooledClassifier(name, backbone, (int) channels, numClasses, IMAGENET_CLIP);
  }
}

package org.sakd.model;

import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.convolutional.Conv2d;
import ai.djl.nn.convolutional.Conv3d;
import ai.djl.nn.norm.BatchNorm;

/**
 * The convolutions and normalisations the zoo is made of. Convolutions carry no bias because a
 * BatchNorm always follows (He et al. 2016); BatchNorm normalises the channel axis 1 of NC(T)HW
 * tensors.
 */
final class ConvLayers {

  private ConvLayers() {}

  /** A bias-free 3D convolution; kernel, stride and padding are (T, H, W). */
  static Block conv3d(int filters, Shape kernel, Shape stride, Shape padding) {
    return conv3d(filters, kernel, stride, padding, 1);
  }

  /**
   * A bias-free grouped 3D convolution: the channels split into {@code groups} slices convolved
   * independently, so it has 1/groups of the dense convolution's weights (TPN's neck uses 32).
   */
  static Block conv3d(int filters, Shape kernel, Shape stride, Shape padding, int groups) {
    return Conv3d.builder()
        .setFilters(filters)
        .setKernelShape(kernel)
        .optStride(stride)
        .optPadding(padding)
        .optGroups(groups)
        .optBias(false)
        .build();
  }

  /** A bias-free square 2D convolution with "same" padding for odd kernels. */
  static Block conv2d(int filters, int kernel, int stride) {
    return Conv2d.builder()
        .setFilters(filters)
        .setKernelShape(new Shape(kernel, kernel))
        .optStride(new Shape(stride, stride))
        .optPadding(new Shape(kernel / 2, kernel / 2))
        .optBias(false)
        .build();
  }

  static Block batchNorm() {
    return BatchNorm.builder().optAxis(1).build();
  }

  static Shape shape(long... dims) {
    return new Shape(dims);
  }
}

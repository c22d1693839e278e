package org.sakd.model;

import static org.sakd.model.ConvLayers.shape;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.convolutional.Conv3d;
import ai.djl.nn.norm.LayerNorm;
import ai.djl.training.ParameterStore;
import ai.djl.training.initializer.TruncatedNormalInitializer;
import ai.djl.util.PairList;

/**
 * The Video Swin Transformer backbone (Liu et al., "Video Swin Transformer", CVPR 2022, §3 and Fig.
 * 1): a 3D patch embedding (non-overlapping 2×4×4 patches by a Conv3d of that kernel and stride,
 * then LayerNorm), four stages of {@link SwinBlock}s in alternating regular and shifted 3D windows
 * with C, 2C, 4C, 8C channels, {@link PatchMerging} (2× spatial downsampling) between them, a final
 * LayerNorm and a global average over the T×H×W tokens: N×3×T×H×W → N×8C. No absolute position
 * embedding (the paper uses relative position bias only).
 *
 * <p>Inputs whose T, H, W are not multiples of the patch are padded at the end, as are features
 * that are not multiples of the window; a window larger than a feature is clipped to it, with no
 * shift along that axis (one window covers it), so any clip size runs.
 */
final class VideoSwin extends AbstractBlock {

  private static final byte VERSION = 1;
  private static final long[] PATCH = {2, 4, 4};

  /**
   * @param embedDim C, the first stage's width; stage i has C·2^i
   * @param depths blocks per stage (Swin-T 2-2-6-2, Swin-S 2-2-18-2)
   * @param heads attention heads per stage (3-6-12-24 in the paper, head width 32)
   * @param window the 3D window (T, H, W), 8×7×7 in the paper
   * @param clipShape one sample's input (C, T, H, W)
   */
  record Spec(int embedDim, int[] depths, int[] heads, Shape window, Shape clipShape) {
    Spec {
      if (depths.length != 4 || heads.length != 4) {
        throw new IllegalArgumentException("Video Swin has four stages");
      }
      for (int i = 0; i < 4; i++) {
        if (depths[i] < 1 || heads[i] < 1 || (embedDim << i) % heads[i] != 0) {
          throw new IllegalArgumentException(
              "stage " + (i + 1) + ": need ≥ 1 block and heads dividing " + (embedDim << i));
        }
      }
      if (window.dimension() != 3) {
        throw new IllegalArgumentException("window must be (T, H, W), got " + window);
      }
      depths = depths.clone();
      heads = heads.clone();
    }
  }

  /**
   * The paper's Kinetics-400 models: C = 96, heads 3-6-12-24, window 8×7×7, 32-frame 224² clips
   * (16×56×56 tokens after the 2×4×4 patches).
   */
  static Spec paper(int... depths) {
    return new Spec(96, depths, new int[] {3, 6, 12, 24}, shape(8, 7, 7), shape(3, 32, 224, 224));
  }

  private final Block patchEmbed;
  private final LayerNorm patchNorm;
  private final SequentialBlock stages = new SequentialBlock();
  private final LayerNorm norm;
  private final int featureDim;

  private VideoSwin(Spec spec) {
    super(VERSION);
    long[] window = spec.window().getShape();
    patchEmbed =
        addChildBlock(
            "patch_embed",
            Conv3d.builder()
                .setFilters(spec.embedDim())
                .setKernelShape(new Shape(PATCH))
                .optStride(new Shape(PATCH))
                .build());
    patchNorm = addChildBlock("patch_norm", layerNorm());
    int dim = spec.embedDim();
    for (int stage = 0; stage < 4; stage++) {
      SequentialBlock body = new SequentialBlock();
      for (int b = 0; b < spec.depths()[stage]; b++) {
        body.add(new SwinBlock(dim, spec.heads()[stage], window, b % 2 == 1));
      }
      if (stage < 3) {
        body.add(new PatchMerging(dim));
        dim *= 2;
      }
      stages.add(body);
    }
    addChildBlock("stages", stages);
    norm = addChildBlock("norm", layerNorm());
    featureDim = dim;
  }

  static PooledClassifier build(String name, Spec spec, int numClasses) {
    VideoSwin backbone = new VideoSwin(spec);
    PooledClassifier classifier =
        new PooledClassifier(name, backbone, backbone.featureDim, numClasses, spec.clipShape());
    // Linear weights and the bias tables as in the paper's code base: truncated normal, σ = 0.02
    // (replaces PooledClassifier's Kaiming default, meant for ReLU convolutions).
    classifier.setInitializer(new TruncatedNormalInitializer(0.02f), Parameter.Type.WEIGHT);
    return classifier;
  }

  /** LayerNorm over the channel axis of channels-last N×T×H×W×C features. */
  static LayerNorm layerNorm() {
    return LayerNorm.builder().axis(4).build();
  }

  @Override
  protected NDList forwardInternal(
      ParameterStore parameterStore,
      NDList inputs,
      boolean training,
      PairList<String, Object> params) {
    NDArray x = inputs.singletonOrThrow();
    Shape s = x.getShape();
    long[] pad = new long[3];
    for (int a = 0; a < 3; a++) {
      pad[a] = (PATCH[a] - s.get(a + 2) % PATCH[a]) % PATCH[a];
    }
    if (pad[0] + pad[1] + pad[2] > 0) {
      x = x.pad(new Shape(0, pad[2], 0, pad[1], 0, pad[0]), 0);
    }
    x = patchEmbed.forward(parameterStore, new NDList(x), training).singletonOrThrow();
    x = x.transpose(0, 2, 3, 4, 1);
    x = patchNorm.forward(parameterStore, new NDList(x), training).singletonOrThrow();
    x = stages.forward(parameterStore, new NDList(x), training).singletonOrThrow();
    x = norm.forward(parameterStore, new NDList(x), training).singletonOrThrow();
    return new NDList(x.reshape(s.get(0), -1, featureDim).mean(new int[] {1}));
  }

  @Override
  public Shape[] getOutputShapes(Shape[] inputShapes) {
    return new Shape[] {new Shape(inputShapes[0].get(0), featureDim)};
  }

  @Override
  protected void initializeChildBlocks(NDManager manager, DataType dataType, Shape... inputShapes) {
    Shape x = inputShapes[0];
    if (x.dimension() != 5) {
      throw new IllegalArgumentException("Video Swin takes clips N×C×T×H×W, got " + x);
    }
    Shape padded =
        new Shape(
            x.get(0),
            x.get(1),
            ceil(x.get(2), PATCH[0]) * PATCH[0],
            ceil(x.get(3), PATCH[1]) * PATCH[1],
            ceil(x.get(4), PATCH[2]) * PATCH[2]);
    patchEmbed.initialize(manager, dataType, padded);
    Shape e = patchEmbed.getOutputShapes(new Shape[] {padded})[0];
    Shape tokens = new Shape(e.get(0), e.get(2), e.get(3), e.get(4), e.get(1));
    patchNorm.initialize(manager, dataType, tokens);
    stages.initialize(manager, dataType, tokens);
    Shape out = stages.getOutputShapes(new Shape[] {tokens})[0];
    if (out.get(4) != featureDim) {
      throw new IllegalStateException("stages end with " + out + ", expected ×" + featureDim);
    }
    norm.initialize(manager, dataType, out);
  }

  private static long ceil(long a, long b) {
    return (a + b - 1) / b;
  }
}

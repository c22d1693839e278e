package org.sakd.model;

import static org.sakd.model.ConvLayers.shape;

import ai.djl.nn.Block;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Builds the zoo's networks by name. Every block returned implements {@link Classifier} and is not
 * yet initialised: call {@link ModelInfo#initialize} (or {@code block.initialize}) with {@code
 * inputShape}.
 *
 * <p>The 3D ResNets {@code r3d10|r3d18|r3d34} also take a width multiplier suffix, e.g. {@code
 * r3d18-w0.25}.
 */
public final class ModelRegistry {

  private static final Pattern WIDENED_R3D =
      Pattern.compile("(r3d(?:10|18|34))-w([0-9]*\\.?[0-9]+)");
  private static final int[] CIFAR_WIDTHS = {16, 16, 32, 64};
  private static final int[] CIFAR_X4_WIDTHS = {32, 64, 128, 256};

  private static final Map<String, ResNet3d.Spec> R3D = new LinkedHashMap<>();
  private static final Map<String, IntFunction<PooledClassifier>> FACTORIES = new LinkedHashMap<>();

  static {
    R3D.put("r3d10", ResNet3d.standard(1, 1, 1, 1));
    R3D.put("r3d18", ResNet3d.standard(2, 2, 2, 2));
    R3D.put("r3d34", ResNet3d.standard(3, 4, 6, 3));
    // CPU presets for 8×56×56 clips: a stem max-pool brings res2 to 14×14, which is where most
    // FLOPs go.
    R3D.put(
        "r3d-tiny",
        new ResNet3d.Spec(new int[] {1, 1, 1, 1}, 16, shape(3, 7, 7), true, shape(3, 8, 56, 56)));
    R3D.put(
        "r3d-micro",
        new ResNet3d.Spec(new int[] {1, 1, 1, 1}, 8, shape(3, 5, 5), true, shape(3, 8, 56, 56)));
    R3D.forEach((name, spec) -> FACTORIES.put(name, k -> ResNet3d.build(name, spec, k)));

    // SlowFast T×τ presets of the paper (Table 2): α = 8 for 4×16, α = 4 for 8×8 and 16×8; β = 1/8.
    slowFast(
        "slowfast-r101-16x8",
        new SlowFast.Spec(true, new int[] {3, 4, 23, 3}, 64, 4, 8, shape(3, 64, 224, 224)));
    slowFast(
        "slowfast-r50-4x16",
        new SlowFast.Spec(true, new int[] {3, 4, 6, 3}, 64, 8, 8, shape(3, 32, 224, 224)));
    slowFast(
        "slowfast-r18",
        new SlowFast.Spec(false, new int[] {2, 2, 2, 2}, 64, 4, 8, shape(3, 32, 224, 224)));
    // CPU presets for 8×56×56 clips: the slow pathway sees 2 frames (α = 4).
    slowFast(
        "slowfast-tiny",
        new SlowFast.Spec(false, new int[] {1, 1, 1, 1}, 32, 4, 8, shape(3, 8, 56, 56)));
    slowFast(
        "slowfast-micro",
        new SlowFast.Spec(false, new int[] {1, 1, 1, 1}, 16, 4, 4, shape(3, 8, 56, 56)));

    // TPN fTsS presets: T frames taken every S-th (the clip sampler's stride), on SlowOnly
    // R101/R50; the temporal rates of the res4/res5 levels are those of the TPN Kinetics-400
    // models (f32s2: 16 and 32, f8s8: 8 and 8).
    tpn(
        "tpn-r101-f32s2",
        new Tpn.Spec(new int[] {3, 4, 23, 3}, 64, 16, 32, shape(3, 32, 224, 224)));
    tpn("tpn-r50-f8s8", new Tpn.Spec(new int[] {3, 4, 6, 3}, 64, 8, 8, shape(3, 8, 224, 224)));
    // CPU preset for 8×56×56 clips, with f32s2's level layout: res4 keeps 2 steps, res5 one.
    tpn("tpn-micro", new Tpn.Spec(new int[] {1, 1, 1, 1}, 8, 4, 8, shape(3, 8, 56, 56)));
    // Video Swin (Liu et al., CVPR 2022): Swin-T and Swin-S of the paper (C = 96, window 8×7×7,
    // 32×224×224 clips), and CPU presets for 8×56×56 clips (4×14×14 tokens): window 2×7×7, so stage
    // 1 has 2×2×2 windows and every second block shifts by (1, 3, 3).
    swin("swin-s", VideoSwin.paper(2, 2, 18, 2));
    swin("swin-t", VideoSwin.paper(2, 2, 6, 2));
    swin(
        "swin-mini",
        new VideoSwin.Spec(
            32,
            new int[] {2, 2, 4, 2},
            new int[] {1, 2, 4, 8},
            shape(2, 7, 7),
            shape(3, 8, 56, 56)));
    swin(
        "swin-micro",
        new VideoSwin.Spec(
            16,
            new int[] {2, 2, 2, 2},
            new int[] {1, 2, 4, 8},
            shape(2, 7, 7),
            shape(3, 8, 56, 56)));

    for (int depth : new int[] {8, 20, 32, 56, 110}) {
      String name = "resnet" + depth;
      FACTORIES.put(name, k -> ImageResNets.cifarResNet(name, depth, CIFAR_WIDTHS, k));
    }
    for (int depth : new int[] {8, 32}) {
      String name = "resnet" + depth + "x4";
      FACTORIES.put(name, k -> ImageResNets.cifarResNet(name, depth, CIFAR_X4_WIDTHS, k));
    }
    for (int[] dk : new int[][] {{16, 2}, {40, 1}, {40, 2}}) {
      String name = "wrn-" + dk[0] + "-" + dk[1];
      FACTORIES.put(name, k -> ImageResNets.wideResNet(name, dk[0], dk[1], k));
    }
    FACTORIES.put(
        "resnet18", k -> ImageResNets.imageNetResNet("resnet18", new int[] {2, 2, 2, 2}, k));
    FACTORIES.put(
        "resnet34", k -> ImageResNets.imageNetResNet("resnet34", new int[] {3, 4, 6, 3}, k));
  }

  private ModelRegistry() {}

  private static void slowFast(String name, SlowFast.Spec spec) {
    FACTORIES.put(name, k -> SlowFast.build(name, spec, k));
  }

  private static void tpn(String name, Tpn.Spec spec) {
    FACTORIES.put(name, k -> Tpn.build(name, spec, k));
  }

  private static void swin(String name, VideoSwin.Spec spec) {
    FACTORIES.put(name, k -> VideoSwin.build(name, spec, k));
  }

  /**
   * Builds network {@code name} with a {@code numClasses}-way head.
   *
   * @throws IllegalArgumentException for an unknown name or numClasses &lt; 1
   */
  public static Block create(String name, int numClasses) {
    if (numClasses < 1) {
      throw new IllegalArgumentException("numClasses must be ≥ 1, got " + numClasses);
    }
    IntFunction<PooledClassifier> factory = name == null ? null : FACTORIES.get(name);
    if (factory != null) {
      return factory.apply(numClasses);
    }
    Matcher widened = name == null ? null : WIDENED_R3D.matcher(name);
    if (widened != null && widened.matches()) {
      double multiplier = Double.parseDouble(widened.group(2));
      return ResNet3d.build(name, R3D.get(widened.group(1)).widened(multiplier), numClasses);
    }
    throw new IllegalArgumentException(
        "unknown model '"
            + name
            + "'; allowed: "
            + String.join(", ", names())
            + " (r3d10/r3d18/r3d34 also take a width suffix such as r3d18-w0.25)");
  }

  /** The registered names, in a stable order (width-suffixed R3D names are accepted too). */
  public static List<String> names() {
    return List.copyOf(FACTORIES.keySet());
  }
}

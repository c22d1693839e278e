package org.sakd.checkpoint;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sakd.proto.CheckpointProto;
import org.sakd.proto.EpochRecordProto;
import org.sakd.proto.NamedTensor;
import org.sakd.proto.SelectionStateProto;
import org.sakd.train.EpochRecord;

/** Conversions between run state and the Protobuf checkpoint. */
public final class Checkpoints {
  private Checkpoints() {}

  public static List<NamedTensor> tensors(Map<String, float[]> state) {
    List<NamedTensor> out = new ArrayList<>();
    for (var e : state.entrySet()) {
      NamedTensor.Builder nt = NamedTensor.newBuilder().setName(e.getKey());
      for (float v : e.getValue()) {
        nt.addValues(v);
      }
      out.add(nt.build());
    }
    return out;
  }

  public static Map<String, float[]> tensors(List<NamedTensor> list) {
    Map<String, float[]> out = new LinkedHashMap<>();
    for (NamedTensor nt : list) {
      out.put(nt.getName(), floats(nt.getValuesList()));
    }
    return out;
  }

  public static float[] floats(List<Float> list) {
    float[] v = new float[list.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = list.get(i);
    }
    return v;
  }

  public static List<EpochRecord> history(CheckpointProto c) {
    List<EpochRecord> out = new ArrayList<>();
    for (EpochRecordProto e : c.getHistoryList()) {
      out.add(
          new EpochRecord(
              e.getEpoch(),
              e.getSelectionEpoch(),
              e.getTrainedSamples(),
              e.getTrainLoss(),
              e.getTop1(),
              e.getTop5(),
              e.getScoreSeconds(),
              e.getSeconds() - e.getScoreSeconds(),
              e.getValidateSeconds(),
              e.getMeanAlpha() < 0 ? Double.NaN : e.getMeanAlpha()));
    }
    return out;
  }

  /**
   * The current subset and α alone (random and vanilla modes, which keep no selection state of
   * their own).
   */
  public static SelectionStateProto subsetOnly(int[] subset, float[] alpha) {
    SelectionStateProto.Builder b = SelectionStateProto.newBuilder();
    if (subset != null) {
      for (int i : subset) {
        b.addSubset(i);
      }
    }
    if (alpha != null) {
      for (float a : alpha) {
        b.addAlpha(a);
      }
    }
    return b.build();
  }

  /**
   * One checkpoint: the trained network's parameters, the distiller's extra parameters (empty when
   * none), the optimizer's momentum, the selection state (null when none), the history up to and
   * including {@code epoch}.
   */
  public static CheckpointProto build(
      int epoch,
      String model,
      byte[] parameters,
      byte[] extras,
      Map<String, float[]> optimizer,
      SelectionStateProto selection,
      long seed,
      List<EpochRecord> history,
      String config) {
    CheckpointProto.Builder b =
        CheckpointProto.newBuilder()
            .setEpoch(epoch)
            .setModel(model)
            .setParameters(ByteString.copyFrom(parameters))
            .setExtras(ByteString.copyFrom(extras))
            .addAllOptimizer(tensors(optimizer))
            .setSeed(seed)
            .setConfig(config);
    if (selection != null) {
      b.setSelection(selection);
    }
    double best = -1;
    for (EpochRecord r : history) {
      best = Math.max(best, r.top1());
      b.addHistory(
          EpochRecordProto.newBuilder()
              .setEpoch(r.epoch())
              .setTrainLoss(r.trainLoss())
              .setTop1(r.top1())
              .setTop5(r.top5())
              .setSeconds(r.epochSeconds())
              .setScoreSeconds(r.scoreSeconds())
              .setValidateSeconds(r.validateSeconds())
              .setTrainedSamples(r.trainedSamples())
              .setMeanAlpha(Double.isNaN(r.meanAlpha()) ? -1 : r.meanAlpha())
              .setSelectionEpoch(r.selectionEpoch()));
    }
    return b.setBestTop1(best).build();
  }

  /**
   * {@code c} with the data it was trained on: the class names in label order and the clip spec.
   */
  public static CheckpointProto withData(
      CheckpointProto c,
      List<String> classes,
      org.sakd.config.Settings.Clip clip,
      String dataIndex) {
    var spec =
        org.sakd.proto.ClipSpecProto.newBuilder()
            .setFrames(clip.frames())
            .setStride(clip.stride())
            .setShortSide(clip.shortSide())
            .setCrop(clip.crop());
    for (int i = 0; i < 3; i++) {
      spec.addMean(clip.mean()[i]).addStd(clip.std()[i]);
    }
    return c.toBuilder()
        .clearClasses()
        .addAllClasses(classes)
        .setClip(spec)
        .setDataIndex(dataIndex)
        .build();
  }

  /**
   * Why a checkpoint cannot be used on data with {@code classes} (null when it can): it records
   * another class list, or (an older checkpoint without names) its classifier has {@code
   * headClasses} outputs for another count.
   */
  public static String classMismatch(CheckpointProto c, int headClasses, List<String> classes) {
    if (c.getClassesCount() > 0 && !c.getClassesList().equals(classes)) {
      return "a checkpoint of the data's "
          + classes.size()
          + " classes "
          + brief(classes)
          + " (it was trained on "
          + c.getClassesCount()
          + ": "
          + brief(c.getClassesList())
          + ")";
    }
    if (headClasses != classes.size()) {
      return "a checkpoint of the data's "
          + classes.size()
          + " classes (its classifier has "
          + headClasses
          + " outputs)";
    }
    return null;
  }

  private static String brief(List<String> names) {
    return names.size() <= 6
        ? names.toString()
        : names.subList(0, 6).toString().replace("]", ", …]");
  }
}

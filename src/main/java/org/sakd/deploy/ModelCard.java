package org.sakd.deploy;

import com.google.gson.Gson;
import com.google.gson.JsonParseException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sakd.data.ClipSpec;
import org.sakd.monitor.Json;
import org.sakd.proto.CheckpointProto;
import org.sakd.proto.ClipSpecProto;

/**
 * What an exported model needs besides its weights to be used on videos: the network's name, the
 * class names in label order, and the clip it was trained on (frames × stride, short side, crop,
 * per-channel mean and std). Every export carries it: as ONNX {@code metadata_props}, in a DJL
 * folder's {@code serving.properties} and {@code synset.txt}, beside a TorchScript file.
 */
public record ModelCard(String model, List<String> classes, ClipSpec clip) {

  public static final String MODEL = "sakd.model";
  public static final String CLASSES = "sakd.classes";
  public static final String FRAMES = "sakd.clip.frames";
  public static final String STRIDE = "sakd.clip.stride";
  public static final String SHORT_SIDE = "sakd.clip.short_side";
  public static final String CROP = "sakd.clip.crop";
  public static final String MEAN = "sakd.clip.mean";
  public static final String STD = "sakd.clip.std";

  private static final Gson GSON = new Gson();

  public ModelCard {
    if (classes.isEmpty()) {
      throw new IllegalArgumentException("a model card needs the class names");
    }
    classes = List.copyOf(classes);
  }

  /**
   * The card a checkpoint records.
   *
   * @throws IllegalArgumentException for a checkpoint written before checkpoints recorded their
   *     class names and clip
   */
  public static ModelCard of(CheckpointProto c, Path file) {
    if (c.getClassesCount() == 0 || !c.hasClip()) {
      throw new IllegalArgumentException(
          "checkpoint "
              + file
              + " does not record its class names and clip spec (written before 0.1.0's class"
              + " check); evaluate or train it again with this version to export it");
    }
    ClipSpecProto p = c.getClip();
    float[] mean = new float[3];
    float[] std = new float[3];
    for (int i = 0; i < 3; i++) {
      mean[i] = p.getMean(i);
      std[i] = p.getStd(i);
    }
    return new ModelCard(
        c.getModel(),
        c.getClassesList(),
        new ClipSpec(p.getFrames(), p.getStride(), p.getShortSide(), p.getCrop(), mean, std));
  }

  /** The card as string pairs, in a fixed order; lists are JSON arrays. */
  public Map<String, String> toMetadata() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put(MODEL, model);
    m.put(CLASSES, Json.write(classes));
    m.put(FRAMES, Integer.toString(clip.frames()));
    m.put(STRIDE, Integer.toString(clip.stride()));
    m.put(SHORT_SIDE, Integer.toString(clip.shortSide()));
    m.put(CROP, Integer.toString(clip.crop()));
    m.put(MEAN, floats(clip.mean()));
    m.put(STD, floats(clip.std()));
    return m;
  }

  /**
   * The card from {@link #toMetadata} pairs (other keys are ignored).
   *
   * @throws IllegalArgumentException naming the first key that is missing or unreadable
   */
  public static ModelCard fromMetadata(Map<String, String> m, String source) {
    String model = required(m, MODEL, source);
    List<String> classes = List.of(parse(m, CLASSES, String[].class, source));
    float[] mean = floatArray(m, MEAN, source);
    float[] std = floatArray(m, STD, source);
    try {
      return new ModelCard(
          model,
          classes,
          new ClipSpec(
              integer(m, FRAMES, source),
              integer(m, STRIDE, source),
              integer(m, SHORT_SIDE, source),
              integer(m, CROP, source),
              mean,
              std));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + " has an unusable clip spec: " + e.getMessage());
    }
  }

  private static String floats(float[] v) {
    StringBuilder b = new StringBuilder("[");
    for (int i = 0; i < v.length; i++) {
      b.append(i == 0 ? "" : ",").append(Float.toString(v[i]));
    }
    return b.append(']').toString();
  }

  private static String required(Map<String, String> m, String key, String source) {
    String v = m.get(key);
    if (v == null) {
      throw new IllegalArgumentException(
          source + " has no " + key + " (not exported by `sakd export`?)");
    }
    return v;
  }

  private static int integer(Map<String, String> m, String key, String source) {
    String v = required(m, key, source);
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(source + ": " + key + " = '" + v + "' is not an integer");
    }
  }

  private static float[] floatArray(Map<String, String> m, String key, String source) {
    float[] v = parse(m, key, float[].class, source);
    if (v.length != 3) {
      throw new IllegalArgumentException(source + ": " + key + " needs 3 values, has " + v.length);
    }
    return v;
  }

  private static <T> T parse(Map<String, String> m, String key, Class<T> type, String source) {
    String v = required(m, key, source);
    try {
      T out = GSON.fromJson(v, type);
      if (out == null) {
        throw new JsonParseException("empty");
      }
      return out;
    } catch (JsonParseException e) {
      throw new IllegalArgumentException(
          source + ": " + key + " = '" + v + "' is not a JSON array: " + e.getMessage());
    }
  }
}

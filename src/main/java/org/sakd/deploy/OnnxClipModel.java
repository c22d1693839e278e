package org.sakd.deploy;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.sakd.data.Clip;

/**
 * An exported ONNX model run by ONNX Runtime (CPU): input {@code clip} N×C×T×H×W, output {@code
 * logits}; the card comes from the model's {@code metadata_props}.
 */
public final class OnnxClipModel implements ClipModel {
  private static final String INPUT = "clip";
  private static final String LOGITS = "logits";

  private final OrtEnvironment env;
  private final OrtSession session;
  private final ModelCard card;
  private FloatBuffer staging;

  private OnnxClipModel(OrtEnvironment env, OrtSession session, ModelCard card) {
    this.env = env;
    this.session = session;
    this.card = card;
  }

  /**
   * Opens {@code file} with {@code threads} intra-op threads.
   *
   * @throws IllegalArgumentException when the file is missing, is not an ONNX model ONNX Runtime
   *     can run, lacks the {@code clip} input or {@code logits} output or the card, or is an image
   *     network
   */
  public static OnnxClipModel open(Path file, int threads) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("no ONNX model at " + file);
    }
    OrtEnvironment env = OrtEnvironment.getEnvironment();
    OrtSession session = null;
    try (OrtSession.SessionOptions options = new OrtSession.SessionOptions()) {
      options.setIntraOpNumThreads(threads);
      options.setInterOpNumThreads(1);
      options.setOptimizationLevel(OrtSession.SessionOptions.OptLevel.ALL_OPT);
      session = env.createSession(file.toString(), options);
      Map<String, NodeInfo> inputs = session.getInputInfo();
      if (!inputs.containsKey(INPUT) || !session.getOutputNames().contains(LOGITS)) {
        throw new IllegalArgumentException(
            file
                + " has inputs "
                + inputs.keySet()
                + " and outputs "
                + session.getOutputNames()
                + "; predict needs input 'clip' and output 'logits' (a `sakd export` model)");
      }
      ModelCard card =
          ModelCard.fromMetadata(session.getMetadata().getCustomMetadata(), file.toString());
      long[] shape = ((TensorInfo) inputs.get(INPUT).getInfo()).getShape();
      if (shape.length == 5 && shape[2] == 1 && card.clip().frames() > 1) {
        throw new IllegalArgumentException(
            "predict decodes video clips; " + card.model() + " is an image network");
      }
      return new OnnxClipModel(env, session, card);
    } catch (OrtException e) {
      close(session);
      throw new IllegalArgumentException(
          file + " is not a model ONNX Runtime can run: " + e.getMessage(), e);
    } catch (RuntimeException e) {
      close(session);
      throw e;
    }
  }

  @Override
  public ModelCard card() {
    return card;
  }

  @Override
  public String runtime() {
    return "ONNX Runtime";
  }

  @Override
  public float[] logits(List<Clip> clips) {
    Clip first = clips.get(0);
    int per = first.data().length;
    FloatBuffer x = staging(per * clips.size());
    for (Clip c : clips) {
      if (c.data().length != per) {
        throw new IllegalArgumentException("clips of different shapes in one batch");
      }
      x.put(c.data());
    }
    x.flip();
    long[] shape = {clips.size(), first.channels(), first.frames(), first.height(), first.width()};
    try (OnnxTensor t = OnnxTensor.createTensor(env, x, shape);
        OrtSession.Result r = session.run(Map.of(INPUT, t))) {
      FloatBuffer out = ((OnnxTensor) r.get(LOGITS).orElseThrow()).getFloatBuffer();
      float[] logits = new float[out.remaining()];
      out.get(logits);
      return logits;
    } catch (OrtException e) {
      throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
    }
  }

  /** One direct buffer reused across batches: ONNX Runtime reads it without a copy. */
  private FloatBuffer staging(int floats) {
    if (staging == null || staging.capacity() < floats) {
      staging =
          ByteBuffer.allocateDirect(4 * floats).order(ByteOrder.nativeOrder()).asFloatBuffer();
    }
    staging.clear();
    return staging;
  }

  @Override
  public void close() {
    close(session);
  }

  private static void close(OrtSession session) {
    if (session != null) {
      try {
        session.close();
      } catch (OrtException e) {
        // closing frees native memory only; nothing to report to the user
      }
    }
  }
}

package org.sakd.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.FloatBuffer;
import java.util.List;
import org.sakd.data.Clip;

/** Stacks decoded clips (C×T×H×W each) into one N×C×T×H×W array. */
public final class Batches {
  private Batches() {}

  public static NDArray stack(NDManager manager, List<Clip> clips) {
    if (clips.isEmpty()) {
      throw new IllegalArgumentException("cannot stack an empty batch");
    }
    Clip first = clips.get(0);
    int per = first.data().length;
    FloatBuffer buf = FloatBuffer.allocate(per * clips.size());
    for (Clip c : clips) {
      if (c.data().length != per) {
        throw new IllegalArgumentException("clips of different shapes in one batch: " + per + " vs " + c.data().length);
      }
      buf.put(c.data());
    }
    buf.flip();
    return manager.create(buf, new Shape(clips.size(), first.channels(), first.frames(), first.height(), first.width()));
  }

  public static NDArray labels(NDManager manager, int[] labels) {
    long[] l = new long[labels.length];
    for (int i = 0; i < l.length; i++) {
      l[i] = labels[i];
    }
    return manager.create(l);
  }
}

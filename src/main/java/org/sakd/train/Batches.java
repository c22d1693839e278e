package org.sakd.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.LongBuffer;
import java.util.List;
import org.sakd.data.Clip;

/**
 * Host data into native arrays without leaving garbage in direct memory.
 *
 * <p>DJL's PyTorch engine wraps a direct buffer without copying (the tensor shares its memory) and
 * copies heap data into a fresh direct buffer that is freed only when the garbage collector runs. A
 * loop that makes little heap garbage then grows native memory batch after batch. Here every thread
 * stages its data in one reused direct buffer and the tensor is cloned into memory PyTorch owns and
 * frees on close, so native memory stays flat.
 */
public final class Batches {
  private static final ThreadLocal<ByteBuffer> STAGING = new ThreadLocal<>();

  private Batches() {}

  private static ByteBuffer staging(long bytes) {
    ByteBuffer b = STAGING.get();
    if (b == null || b.capacity() < bytes) {
      b =
          ByteBuffer.allocateDirect(
                  Math.toIntExact(Math.max(bytes, b == null ? 0 : 2L * b.capacity())))
              .order(ByteOrder.nativeOrder());
      STAGING.set(b);
    }
    b.clear();
    return b;
  }

  private static NDArray owned(NDManager manager, ByteBuffer staged, Shape shape, DataType type) {
    staged.flip();
    try (NDArray view = manager.create(staged, shape, type)) {
      return view.duplicate();
    }
  }

  /** One N×C×T×H×W array from clips of equal shape. */
  public static NDArray stack(NDManager manager, List<Clip> clips) {
    if (clips.isEmpty()) {
      throw new IllegalArgumentException("cannot stack an empty batch");
    }
    Clip first = clips.get(0);
    int per = first.data().length;
    ByteBuffer b = staging(4L * per * clips.size());
    FloatBuffer f = b.asFloatBuffer();
    for (Clip c : clips) {
      if (c.data().length != per) {
        throw new IllegalArgumentException(
            "clips of different shapes in one batch: " + per + " vs " + c.data().length);
      }
      f.put(c.data());
    }
    b.position(4 * f.position());
    return owned(
        manager,
        b,
        new Shape(clips.size(), first.channels(), first.frames(), first.height(), first.width()),
        DataType.FLOAT32);
  }

  /** A float array of the given shape (row-major data). */
  public static NDArray floats(NDManager manager, float[] data, Shape shape) {
    ByteBuffer b = staging(4L * data.length);
    b.asFloatBuffer().put(data);
    b.position(4 * data.length);
    return owned(manager, b, shape, DataType.FLOAT32);
  }

  /** Class ids as an int64 vector. */
  public static NDArray labels(NDManager manager, int[] labels) {
    ByteBuffer b = staging(8L * labels.length);
    LongBuffer l = b.asLongBuffer();
    for (int label : labels) {
      l.put(label);
    }
    b.position(8 * labels.length);
    return owned(manager, b, new Shape(labels.length), DataType.INT64);
  }
}

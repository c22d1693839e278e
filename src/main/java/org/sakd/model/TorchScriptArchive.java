package org.sakd.model;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a TorchScript archive that libtorch's {@code torch::jit::load} reads: one scripted module
 * class whose code is TorchScript source, with float32 tensors as its attributes. The layout is
 * PyTorch's documented serialization format (PyTorch docs, "TorchScript serialization" /
 * torch/csrc/jit/docs/serialization.md): a zip whose records under one folder are {@code version},
 * {@code byteorder}, {@code code/__torch__.py} (the class source), {@code constants.pkl} (an empty
 * tuple), {@code data.pkl} (the module object, pickle protocol 2, each tensor a persistent id
 * {@code ('storage', torch.FloatStorage, key, 'cpu', numel)} rebuilt by {@code
 * torch._utils._rebuild_tensor_v2}) and {@code data/<key>} (each tensor's little-endian bytes).
 * Records are stored uncompressed.
 */
final class TorchScriptArchive {

  /** One attribute: a contiguous float32 tensor, a parameter or a buffer. */
  record Tensor(String name, long[] shape, byte[] littleEndianFloats, boolean requiresGrad) {}

  private static final String FOLDER = "sakd/";
  // the file format version this layout corresponds to (PyTorch writes 3 for modules without
  // operator-version records)
  private static final String VERSION = "3\n";

  private TorchScriptArchive() {}

  /**
   * The archive of {@code __torch__.<className>}: {@code parameters} and {@code buffers} become its
   * attributes in that order, {@code methods} is the class body after the attribute declarations
   * (TorchScript source, two-space indented); {@code training} is the module's mode.
   */
  static byte[] write(
      String className,
      List<Tensor> parameters,
      List<Tensor> buffers,
      String methods,
      boolean training) {
    List<Tensor> all = new ArrayList<>(parameters);
    all.addAll(buffers);
    StringBuilder code = new StringBuilder();
    code.append("class ").append(className).append("(Module):\n");
    code.append("  __parameters__ = [").append(names(parameters)).append("]\n");
    code.append("  __buffers__ = [").append(names(buffers)).append("]\n");
    for (Tensor t : all) {
      code.append("  ").append(t.name()).append(" : Tensor\n");
    }
    code.append("  training : bool\n");
    code.append(methods);
    ByteArrayOutputStream zip = new ByteArrayOutputStream();
    try (ZipOutputStream out = new ZipOutputStream(zip, StandardCharsets.UTF_8)) {
      stored(out, zip, "version", VERSION.getBytes(StandardCharsets.US_ASCII));
      stored(out, zip, "byteorder", "little".getBytes(StandardCharsets.US_ASCII));
      stored(out, zip, "code/__torch__.py", code.toString().getBytes(StandardCharsets.UTF_8));
      stored(out, zip, "constants.pkl", new Pickle().emptyTuple().stop());
      stored(out, zip, "data.pkl", modulePickle(className, all, training));
      for (int i = 0; i < all.size(); i++) {
        stored(out, zip, "data/" + i, all.get(i).littleEndianFloats());
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return zip.toByteArray();
  }

  private static String names(List<Tensor> tensors) {
    StringBuilder b = new StringBuilder();
    for (Tensor t : tensors) {
      b.append('"').append(t.name()).append("\", ");
    }
    return b.toString();
  }

  /**
   * One uncompressed record whose data starts at a multiple of 64 bytes, as PyTorch's own writer
   * aligns them (libtorch may use a record's bytes where they lie, and its kernels expect aligned
   * tensors): the local header's extra field pads it.
   */
  private static void stored(
      ZipOutputStream out, ByteArrayOutputStream written, String name, byte[] data)
      throws IOException {
    out.flush();
    ZipEntry e = new ZipEntry(FOLDER + name);
    // local header: 30 bytes, the name, then the extra field (id 0x4246 "FB", size, padding)
    long start = written.size() + 30 + (FOLDER + name).getBytes(StandardCharsets.UTF_8).length;
    int pad = (int) ((64 - (start + 4) % 64) % 64);
    byte[] extra = new byte[4 + pad];
    extra[0] = 0x46;
    extra[1] = 0x42;
    extra[2] = (byte) pad;
    extra[3] = (byte) (pad >>> 8);
    e.setExtra(extra);
    e.setMethod(ZipEntry.STORED);
    e.setSize(data.length);
    e.setCompressedSize(data.length);
    CRC32 crc = new CRC32();
    crc.update(data);
    e.setCrc(crc.getValue());
    out.putNextEntry(e);
    out.write(data);
    out.closeEntry();
  }

  /** {@code __torch__.<className>()} with its attributes set by BUILD from a dict. */
  private static byte[] modulePickle(String className, List<Tensor> tensors, boolean training) {
    Pickle p = new Pickle();
    p.global("__torch__", className).emptyTuple().op(0x81); // NEWOBJ
    p.op('}').op('('); // EMPTY_DICT, MARK
    for (int i = 0; i < tensors.size(); i++) {
      Tensor t = tensors.get(i);
      long numel = 1;
      for (long d : t.shape()) {
        numel *= d;
      }
      if (t.littleEndianFloats().length != numel * 4) {
        throw new IllegalArgumentException(
            t.name() + ": " + t.littleEndianFloats().length + " bytes for " + numel + " floats");
      }
      p.unicode(t.name());
      // _rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks)
      p.global("torch._utils", "_rebuild_tensor_v2").op('(');
      p.op('(').unicode("storage").global("torch", "FloatStorage").unicode(Integer.toString(i));
      p.unicode("cpu").integer(numel).op('t').op('Q'); // TUPLE, BINPERSID
      p.integer(0);
      p.op('(');
      for (long d : t.shape()) {
        p.integer(d);
      }
      p.op('t').op('(');
      long stride = numel;
      for (long d : t.shape()) {
        stride = d == 0 ? 0 : stride / d;
        p.integer(stride);
      }
      p.op('t').op(t.requiresGrad() ? 0x88 : 0x89); // TUPLE, NEWTRUE/NEWFALSE
      p.global("collections", "OrderedDict").emptyTuple().op('R'); // REDUCE
      p.op('t').op('R'); // TUPLE, REDUCE
    }
    p.unicode("training").op(training ? 0x88 : 0x89);
    p.op('u').op('b'); // SETITEMS, BUILD
    return p.stop();
  }

  /** The few pickle protocol 2 opcodes a module needs (Python docs, pickletools). */
  private static final class Pickle {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Pickle() {
      out.write(0x80); // PROTO 2
      out.write(2);
    }

    Pickle op(int code) {
      out.write(code);
      return this;
    }

    Pickle emptyTuple() {
      return op(')');
    }

    Pickle global(String module, String name) {
      op('c');
      byte[] b = (module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII);
      out.write(b, 0, b.length);
      return this;
    }

    Pickle unicode(String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      op('X');
      int4(b.length);
      out.write(b, 0, b.length);
      return this;
    }

    Pickle integer(long v) {
      if (v >= 0 && v < 256) {
        op('K').op((int) v);
      } else if (v >= 0 && v < 65536) {
        op('M').op((int) (v & 0xff)).op((int) (v >>> 8));
      } else if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
        op('J');
        int4((int) v);
      } else {
        throw new IllegalArgumentException("tensor dimension too large for this writer: " + v);
      }
      return this;
    }

    private void int4(int v) {
      out.write(v & 0xff);
      out.write((v >>> 8) & 0xff);
      out.write((v >>> 16) & 0xff);
      out.write((v >>> 24) & 0xff);
    }

    byte[] stop() {
      out.write('.');
      return out.toByteArray();
    }
  }
}

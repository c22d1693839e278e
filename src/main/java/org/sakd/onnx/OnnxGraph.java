package org.sakd.onnx;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sakd.onnx.proto.AttributeProto;
import org.sakd.onnx.proto.GraphProto;
import org.sakd.onnx.proto.ModelProto;
import org.sakd.onnx.proto.NodeProto;
import org.sakd.onnx.proto.OperatorSetIdProto;
import org.sakd.onnx.proto.StringStringEntryProto;
import org.sakd.onnx.proto.TensorProto;
import org.sakd.onnx.proto.TensorShapeProto;
import org.sakd.onnx.proto.TypeProto;
import org.sakd.onnx.proto.ValueInfoProto;

/**
 * Builds one ONNX inference graph: inputs, float weights as initializers, nodes of the standard
 * operator set in the order they are added (which must be topological, as IR.md requires of {@code
 * GraphProto.node}), outputs, and the model around it. Every value gets a unique name; a node's
 * output name is derived from a hint, so the graph reads like the network it came from.
 *
 * <p>Only float tensors flow through the graph; int64 initializers carry the shape-like inputs that
 * opset ≥ 13 takes as tensors (Squeeze's axes, Slice's starts/ends/axes/steps).
 */
public final class OnnxGraph {

  /**
   * ONNX IR version 8 is the one that introduced opset 17 (onnx 1.12); ONNX Runtime 1.20 reads IR
   * versions up to 10.
   */
  public static final long IR_VERSION = 8;

  /** The default ("ai.onnx") operator set version the nodes are written for. */
  public static final long OPSET = 17;

  private final String name;
  private final GraphProto.Builder graph = GraphProto.newBuilder();
  private final Set<String> names = new HashSet<>();

  public OnnxGraph(String name) {
    this.name = name;
    graph.setName(name);
  }

  /** One dimension of a graph input or output: a fixed size or a symbolic name such as "N". */
  public sealed interface Dim permits Dim.Fixed, Dim.Symbolic {
    record Fixed(long size) implements Dim {}

    record Symbolic(String name) implements Dim {}

    static Dim of(long size) {
      return new Fixed(size);
    }

    static Dim of(String name) {
      return new Symbolic(name);
    }
  }

  /** One node attribute. */
  public record Attribute(AttributeProto proto) {
    public static Attribute ints(String name, long... values) {
      AttributeProto.Builder b =
          AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
      for (long v : values) {
        b.addInts(v);
      }
      return new Attribute(b.build());
    }

    public static Attribute integer(String name, long value) {
      return new Attribute(
          AttributeProto.newBuilder()
              .setName(name)
              .setType(AttributeProto.AttributeType.INT)
              .setI(value)
              .build());
    }

    public static Attribute real(String name, float value) {
      return new Attribute(
          AttributeProto.newBuilder()
              .setName(name)
              .setType(AttributeProto.AttributeType.FLOAT)
              .setF(value)
              .build());
    }
  }

  /** Declares a float graph input of the given shape; returns its name. */
  public String input(String valueName, Dim... shape) {
    claim(valueName);
    graph.addInput(valueInfo(valueName, shape));
    return valueName;
  }

  /**
   * Declares graph output {@code outputName} with the value {@code value}; when the names differ an
   * Identity node gives the value its public name.
   */
  public void output(String value, String outputName, Dim... shape) {
    if (!value.equals(outputName)) {
      claim(outputName);
      graph.addNode(
          NodeProto.newBuilder()
              .setOpType("Identity")
              .setName(outputName)
              .addInput(value)
              .addOutput(outputName));
    }
    graph.addOutput(valueInfo(outputName, shape));
  }

  /**
   * A float initializer with the given values in row-major order; returns its (unique) name.
   *
   * @throws IllegalArgumentException when the values do not fill the shape
   */
  public String floats(String hint, long[] shape, float[] values) {
    long size = 1;
    for (long d : shape) {
      size *= d;
    }
    if (size != values.length) {
      throw new IllegalArgumentException(
          hint + ": " + values.length + " values for shape " + java.util.Arrays.toString(shape));
    }
    // raw_data: fixed-width little-endian IEEE 754 elements (onnx.proto, TensorProto.raw_data)
    ByteBuffer bytes = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    bytes.asFloatBuffer().put(values);
    String unique = unique(hint);
    TensorProto.Builder t =
        TensorProto.newBuilder()
            .setName(unique)
            .setDataType(TensorProto.DataType.FLOAT_VALUE)
            .setRawData(ByteString.copyFrom(bytes.array()));
    for (long d : shape) {
      t.addDims(d);
    }
    graph.addInitializer(t);
    return unique;
  }

  /** A one-dimensional int64 initializer; returns its (unique) name. */
  public String int64s(String hint, long... values) {
    String unique = unique(hint);
    TensorProto.Builder t =
        TensorProto.newBuilder()
            .setName(unique)
            .setDataType(TensorProto.DataType.INT64_VALUE)
            .addDims(values.length);
    for (long v : values) {
      t.addInt64Data(v);
    }
    graph.addInitializer(t);
    return unique;
  }

  /**
   * Appends a node of the default operator set with one output; returns the output's name, derived
   * from {@code hint}. Its inputs must already exist (graph inputs, initializers or earlier nodes'
   * outputs).
   */
  public String node(String opType, String hint, List<String> inputs, Attribute... attributes) {
    for (String in : inputs) {
      if (!names.contains(in)) {
        throw new IllegalStateException(
            opType + " node " + hint + " reads value '" + in + "', which nothing defines yet");
      }
    }
    String out = unique(hint);
    NodeProto.Builder n = NodeProto.newBuilder().setOpType(opType).setName(out).addOutput(out);
    n.addAllInput(inputs);
    for (Attribute a : attributes) {
      n.addAttribute(a.proto());
    }
    graph.addNode(n);
    return out;
  }

  /** Nodes added so far. */
  public int nodeCount() {
    return graph.getNodeCount();
  }

  /**
   * The model: this graph, IR version {@link #IR_VERSION}, the default operator set at {@link
   * #OPSET}, and {@code metadata} as {@code metadata_props} (key order kept).
   */
  public ModelProto model(String producer, String producerVersion, Map<String, String> metadata) {
    ModelProto.Builder m =
        ModelProto.newBuilder()
            .setIrVersion(IR_VERSION)
            .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
            .setProducerName(producer)
            .setProducerVersion(producerVersion)
            .setGraph(graph.clone().setName(name));
    for (var e : metadata.entrySet()) {
      m.addMetadataProps(
          StringStringEntryProto.newBuilder().setKey(e.getKey()).setValue(e.getValue()));
    }
    return m.build();
  }

  private static ValueInfoProto valueInfo(String name, Dim... shape) {
    TensorShapeProto.Builder s = TensorShapeProto.newBuilder();
    for (Dim d : shape) {
      TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
      if (d instanceof Dim.Fixed f) {
        dim.setDimValue(f.size());
      } else if (d instanceof Dim.Symbolic y) {
        dim.setDimParam(y.name());
      }
      s.addDim(dim);
    }
    return ValueInfoProto.newBuilder()
        .setName(name)
        .setType(
            TypeProto.newBuilder()
                .setTensorType(
                    TypeProto.Tensor.newBuilder()
                        .setElemType(TensorProto.DataType.FLOAT_VALUE)
                        .setShape(s)))
        .build();
  }

  private void claim(String valueName) {
    if (!names.add(valueName)) {
      throw new IllegalArgumentException("value name '" + valueName + "' is used twice");
    }
  }

  private String unique(String hint) {
    String base = hint.isEmpty() ? "v" : hint;
    String candidate = base;
    for (int i = 1; names.contains(candidate); i++) {
      candidate = base + "_" + i;
    }
    names.add(candidate);
    return candidate;
  }
}

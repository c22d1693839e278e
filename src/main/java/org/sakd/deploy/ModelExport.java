package org.sakd.deploy;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDManager;
import java.io.IOException;
import java.io.OutputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.sakd.config.ConfigName;
import org.sakd.model.OnnxExport;
import org.sakd.model.ScriptedClassifier;
import org.sakd.model.TorchScriptNet;
import org.sakd.monitor.Json;
import org.sakd.proto.CheckpointProto;
import org.sakd.train.Network;

/**
 * Writes a checkpoint's network in a form other programs run: an ONNX model (the built-in
 * networks), a TorchScript file (students that came from TorchScript), or a DJL model folder. Every
 * form carries the {@link ModelCard}. Outputs are written to a temporary name beside the target and
 * moved into place, so a failed export leaves nothing half-written; an existing output is replaced
 * only when asked.
 */
public final class ModelExport {

  /** {@code sakd export --format}. */
  public enum Format implements ConfigName {
    ONNX("onnx"),
    TORCHSCRIPT("torchscript"),
    DJL("djl");

    private final String configName;

    Format(String configName) {
      this.configName = configName;
    }

    @Override
    public String configName() {
      return configName;
    }

    /** The default output beside the checkpoint: {@code best.ckpt} → {@code best.onnx} etc. */
    public Path defaultOutput(Path checkpoint) {
      String name = checkpoint.getFileName().toString().replaceFirst("\\.ckpt$", "");
      String file =
          switch (this) {
            case ONNX -> name + ".onnx";
            case TORCHSCRIPT -> name + ".pt";
            case DJL -> name + "-djl";
          };
      return checkpoint.toAbsolutePath().resolveSibling(file);
    }
  }

  /** The file a DJL folder names its classes in, one per line (DJL's {@code synset.txt}). */
  public static final String SYNSET = "synset.txt";

  public static final String SERVING_PROPERTIES = "serving.properties";

  private ModelExport() {}

  /**
   * Exports checkpoint {@code checkpoint} as {@code format} to {@code out}; returns one line saying
   * what was written.
   *
   * @throws IllegalArgumentException for a missing or unusable checkpoint, a format the network
   *     cannot take, an existing output without {@code overwrite}, or an output that cannot be
   *     written (all exit 2)
   */
  public static String export(Path checkpoint, Format format, Path out, boolean overwrite) {
    CheckpointProto c = CheckpointModel.read(checkpoint);
    ModelCard card = ModelCard.of(c, checkpoint);
    boolean torchScript = TorchScriptNet.isTorchScript(c.getModel());
    if (format == Format.TORCHSCRIPT && !torchScript && !Network.compilable(c.getModel())) {
      throw new IllegalArgumentException(
          "only TorchScript students and the R3D and SlowFast networks can be exported as TorchScript; "
              + c.getModel()
              + " is a built-in network of other blocks (use --format onnx or djl)");
    }
    if (format == Format.ONNX && torchScript) {
      throw new IllegalArgumentException(
          "ONNX export takes the built-in networks; "
              + c.getModel()
              + " is a TorchScript module (use --format torchscript or djl)");
    }
    Path sidecar = format == Format.TORCHSCRIPT ? cardFile(out) : out;
    for (Path p : List.of(out, sidecar)) {
      if (Files.exists(p) && !overwrite) {
        throw new IllegalArgumentException(p + " exists; pass --overwrite to replace it");
      }
    }
    try {
      Path parent = out.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      return switch (format) {
        case ONNX -> onnx(checkpoint, card, out);
        case TORCHSCRIPT -> torchScript(checkpoint, c, card, out, torchScript);
        case DJL -> djl(checkpoint, c, card, out, torchScript);
      };
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot write " + out + ": " + describe(e), e);
    }
  }

  private static String onnx(Path checkpoint, ModelCard card, Path out) throws IOException {
    byte[] bytes;
    try (NDManager root = NDManager.newBaseManager(Device.cpu());
        CheckpointModel m = CheckpointModel.open(checkpoint, root)) {
      bytes = OnnxExport.export(m.network().block(), card.toMetadata()).toByteArray();
    }
    writeFile(out, s -> s.write(bytes));
    return "wrote "
        + out
        + " (ONNX opset "
        + org.sakd.onnx.OnnxGraph.OPSET
        + ", "
        + card.model()
        + ", "
        + card.classes().size()
        + " classes, "
        + bytes.length / 1024
        + " KiB)";
  }

  private static String torchScript(
      Path checkpoint, CheckpointProto c, ModelCard card, Path out, boolean module)
      throws IOException {
    byte[] saved = c.getParameters().toByteArray();
    try (NDManager root = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
      if (module) {
        writeFile(out, s -> TorchScriptNet.writeInferenceModule(saved, s, root));
      } else {
        // a zoo network written as TorchScript source with the checkpoint's values
        byte[] bytes;
        try (CheckpointModel m = CheckpointModel.open(checkpoint, root)) {
          bytes = ScriptedClassifier.inferenceModule(m.network().block());
        }
        writeFile(out, s -> s.write(bytes));
      }
    }
    Path cardFile = cardFile(out);
    writeFile(
        cardFile, s -> s.write(Json.write(card.toMetadata()).getBytes(StandardCharsets.UTF_8)));
    return "wrote " + out + " (TorchScript, inference mode) and its card " + cardFile;
  }

  /** The card beside a TorchScript file: {@code best.pt} → {@code best.pt.json}. */
  private static Path cardFile(Path torchScript) {
    return torchScript.resolveSibling(torchScript.getFileName() + ".json");
  }

  /**
   * A folder DJL's model loader reads ({@code Criteria.builder().optModelPath(folder)}): the
   * parameters ({@code <name>-0000.params}, DJL's {@code Model.save}: a header and {@code
   * Block.saveParameters}) and a {@code serving.properties} whose {@code blockFactory} is {@link
   * ZooBlockFactory}, which builds the network the parameters belong to; or, for a TorchScript
   * student, the module as {@code <name>.pt}, which DJL's PyTorch engine loads on its own. The
   * class names go to {@code synset.txt}; the card's keys to {@code serving.properties}.
   */
  private static String djl(
      Path checkpoint, CheckpointProto c, ModelCard card, Path out, boolean torchScript)
      throws IOException {
    if (Files.exists(out) && !Files.isDirectory(out)) {
      throw new IOException("it is a file; a DJL model is a folder");
    }
    String prefix = filePrefix(card.model());
    Path temp =
        Files.createTempDirectory(
            out.toAbsolutePath().getParent(), "." + out.getFileName() + ".tmp");
    try {
      Map<String, String> p = new LinkedHashMap<>();
      p.put("engine", "PyTorch");
      p.put("option.modelName", prefix);
      if (torchScript) {
        byte[] saved = c.getParameters().toByteArray();
        try (NDManager root = NDManager.newBaseManager(Device.cpu(), "PyTorch");
            OutputStream s = Files.newOutputStream(temp.resolve(prefix + ".pt"))) {
          TorchScriptNet.writeInferenceModule(saved, s, root);
        }
      } else {
        p.put("blockFactory", ZooBlockFactory.class.getName());
        try (NDManager root = NDManager.newBaseManager(Device.cpu());
            CheckpointModel m = CheckpointModel.open(checkpoint, root);
            Model model = Model.newInstance(prefix, Device.cpu(), "PyTorch")) {
          model.setBlock(m.network().block());
          model.setProperty("Epoch", "0");
          model.save(temp, prefix);
        }
      }
      p.putAll(card.toMetadata());
      Files.writeString(temp.resolve(SERVING_PROPERTIES), properties(p), StandardCharsets.UTF_8);
      Files.write(temp.resolve(SYNSET), card.classes(), StandardCharsets.UTF_8);
      List<String> written = new ArrayList<>();
      if (!Files.exists(out)) {
        Files.move(temp, out, StandardCopyOption.ATOMIC_MOVE);
        try (DirectoryStream<Path> files = Files.newDirectoryStream(out)) {
          files.forEach(f -> written.add(f.getFileName().toString()));
        }
      } else {
        // --overwrite: replace the files this export writes; anything else in the folder stays
        try (DirectoryStream<Path> files = Files.newDirectoryStream(temp)) {
          for (Path f : files) {
            move(f, out.resolve(f.getFileName()));
            written.add(f.getFileName().toString());
          }
        }
      }
      java.util.Collections.sort(written);
      return "wrote " + out + " (DJL model folder: " + String.join(", ", written) + ")";
    } finally {
      deleteTree(temp);
    }
  }

  /**
   * {@code serving.properties} text with the keys in the given order ({@link Properties#store}
   * writes them in hash order), each line escaped by {@link Properties} itself.
   */
  static String properties(Map<String, String> entries) {
    StringBuilder out =
        new StringBuilder(
            "# sakd export: load with DJL's Criteria.builder().optModelPath(<this folder>)\n");
    for (var e : entries.entrySet()) {
      Properties one = new Properties();
      one.setProperty(e.getKey(), e.getValue());
      StringWriter w = new StringWriter();
      try {
        one.store(w, null);
      } catch (IOException impossible) {
        throw new UncheckedIOException(impossible);
      }
      // store writes a date comment line, then the entry
      w.toString().lines().filter(l -> !l.startsWith("#")).forEach(l -> out.append(l).append('\n'));
    }
    return out.toString();
  }

  /** A file name prefix for a model name: a zoo name as it is, a TorchScript file's stem. */
  static String filePrefix(String model) {
    String name =
        TorchScriptNet.isTorchScript(model)
            ? TorchScriptNet.file(model).getFileName().toString().replaceFirst("\\.pt$", "")
            : model;
    String safe = name.replaceAll("[^A-Za-z0-9._-]", "_");
    return safe.isEmpty() ? "model" : safe;
  }

  private interface Content {
    void writeTo(OutputStream out) throws IOException;
  }

  private static void writeFile(Path out, Content content) throws IOException {
    Path temp =
        Files.createTempFile(out.toAbsolutePath().getParent(), "." + out.getFileName(), ".tmp");
    try {
      try (OutputStream s = Files.newOutputStream(temp)) {
        content.writeTo(s);
      }
      move(temp, out);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  private static void move(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  private static String describe(IOException e) {
    if (e instanceof FileAlreadyExistsException) {
      return "a file is in the way (" + e.getMessage() + ")";
    }
    String m = e.getMessage();
    return e.getClass().getSimpleName() + (m == null ? "" : " " + m);
  }
}

package org.sakd.deploy;

import ai.djl.Model;
import ai.djl.nn.Block;
import ai.djl.nn.BlockFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.sakd.model.ModelRegistry;

/**
 * The {@code blockFactory} of an exported DJL model folder: DJL's model loader reads {@code
 * serving.properties}, passes its keys (those without the {@code option.} prefix) as arguments, and
 * asks this factory for the block before it loads the parameters into it. The network is the one
 * {@code sakd.model} names, with one output per line of {@code synset.txt}.
 */
public final class ZooBlockFactory implements BlockFactory {

  private static final long serialVersionUID = 1L;

  @Override
  public Block newBlock(Model model, Path modelPath, Map<String, ?> arguments) throws IOException {
    Object name = arguments.get(ModelCard.MODEL);
    if (name == null) {
      throw new IllegalArgumentException(
          modelPath + "/" + ModelExport.SERVING_PROPERTIES + " names no " + ModelCard.MODEL);
    }
    List<String> classes =
        Files.readAllLines(modelPath.resolve(ModelExport.SYNSET), StandardCharsets.UTF_8);
    return ModelRegistry.create(name.toString(), classes.size());
  }
}

package org.sakd.data;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One labelled item of a split.
 *
 * @param index position in its split list (also the CIFAR record number)
 * @param id unique, stable name within the dataset (relative path, or "train/123" for CIFAR)
 * @param path the file to read; for CIFAR the .bin file holding record {@code index}; may be null
 * @param label 0-based class index into {@link DatasetIndex#classes()}
 */
public record Sample(int index, String id, Path path, int label) {
  public Sample {
    Objects.requireNonNull(id, "id");
    if (index < 0) throw new IllegalArgumentException("sample index must be >= 0, got " + index);
    if (label < 0)
      throw new IllegalArgumentException("label of " + id + " must be >= 0, got " + label);
  }
}

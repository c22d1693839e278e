package org.sakd.data;

/** Picks the clip source that fits an index's format. */
public final class ClipSources {
  private ClipSources() {}

  /**
   * Videos decode with one FFmpeg thread per file, since the pipeline runs several decoders in
   * parallel.
   */
  public static ClipSource forIndex(DatasetIndex index, ClipSpec spec) {
    return switch (index.format()) {
      case "cifar100" -> new CifarClipSource(spec);
      case "imagefolder" -> new ImageFolderClipSource(spec);
      case "ucf101", "kinetics", "ssv2", "synthetic" ->
          new VideoClipSource(new VideoDecoder(), spec);
      default ->
          throw new IllegalArgumentException(
              "no clip source for dataset format '" + index.format() + "'");
    };
  }
}

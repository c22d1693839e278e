package org.sakd.pipeline;

import java.util.List;
import org.sakd.data.Clip;
import org.sakd.data.Sample;

/** Decoded clips travelling together through the pipeline, index-aligned with their samples. */
public record ClipBatch(List<Sample> samples, List<Clip> clips) {
  public ClipBatch {
    if (samples.size() != clips.size()) {
      throw new IllegalArgumentException(
          samples.size() + " samples but " + clips.size() + " clips");
    }
  }

  public int size() {
    return samples.size();
  }

  public int[] ids() {
    return samples.stream().mapToInt(Sample::index).toArray();
  }

  public int[] labels() {
    return samples.stream().mapToInt(Sample::label).toArray();
  }

  /** Rows [from, to) as a batch of its own (a replica's shard). */
  public ClipBatch slice(int from, int to) {
    return new ClipBatch(samples.subList(from, to), clips.subList(from, to));
  }

  /** {@code a}'s rows followed by {@code b}'s. */
  public static ClipBatch merge(ClipBatch a, ClipBatch b) {
    List<Sample> samples = new java.util.ArrayList<>(a.samples());
    samples.addAll(b.samples());
    List<Clip> clips = new java.util.ArrayList<>(a.clips());
    clips.addAll(b.clips());
    return new ClipBatch(samples, clips);
  }
}

package org.sakd.data;

import java.awt.image.BufferedImage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Checks every file a dataset index lists, before training meets a broken one halfway through an
 * epoch. Videos are decoded to their end (without colour conversion), which is what finds
 * truncation; images are read; CIFAR records were already bounds-checked by the index.
 */
public final class DatasetScanner {
  private DatasetScanner() {}

  /** Scans on all cores, one file per task. */
  public static ScanReport scan(DatasetIndex index, ClipSpec spec) {
    return scan(index, spec, Runtime.getRuntime().availableProcessors());
  }

  public static ScanReport scan(DatasetIndex index, ClipSpec spec, int threads) {
    VideoDecoder decoder = new VideoDecoder();
    ExecutorService pool =
        Executors.newFixedThreadPool(
            Math.max(1, threads),
            r -> {
              Thread t = new Thread(r, "dataset-scan");
              t.setDaemon(true);
              return t;
            });
    try {
      List<Future<ScanReport.Entry>> futures = new ArrayList<>();
      for (Sample s : index.train())
        futures.add(pool.submit(() -> check(index.format(), "train", s, spec, decoder)));
      for (Sample s : index.test())
        futures.add(pool.submit(() -> check(index.format(), "test", s, spec, decoder)));
      List<ScanReport.Entry> entries = new ArrayList<>();
      for (Future<ScanReport.Entry> f : futures) entries.add(f.get());
      return new ScanReport(index.format(), spec.span(), entries, index.problems());
    } catch (ExecutionException e) {
      throw new IllegalStateException("scan failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("scan interrupted", e);
    } finally {
      pool.shutdownNow();
    }
  }

  private static ScanReport.Entry check(
      String format, String split, Sample s, ClipSpec spec, VideoDecoder decoder) {
    try {
      switch (format) {
        case "cifar100" -> {
          return new ScanReport.Entry(
              split, s.id(), s.path(), "OK", 1, 0, Cifar100Index.SIDE, Cifar100Index.SIDE, "");
        }
        case "imagefolder" -> {
          BufferedImage img = ImageFolderClipSource.read(s.path());
          return new ScanReport.Entry(
              split, s.id(), s.path(), "OK", 1, 0, img.getWidth(), img.getHeight(), "");
        }
        default -> {
          VideoInfo info = decoder.countFrames(s.path());
          boolean shortClip = info.frames() < spec.span();
          return new ScanReport.Entry(
              split,
              s.id(),
              s.path(),
              shortClip ? VideoDecodeException.Reason.TOO_SHORT.name() : "OK",
              info.frames(),
              info.fps(),
              info.width(),
              info.height(),
              shortClip ? info.frames() + " < " + spec.span() + " frames; loop-padded" : "");
        }
      }
    } catch (VideoDecodeException e) {
      return new ScanReport.Entry(
          split, s.id(), s.path(), e.reason().name(), 0, 0, 0, 0, e.getMessage());
    } catch (RuntimeException e) {
      return new ScanReport.Entry(
          split,
          s.id(),
          s.path(),
          VideoDecodeException.Reason.UNREADABLE.name(),
          0,
          0,
          0,
          0,
          String.valueOf(e.getMessage()));
    }
  }
}

package org.sakd.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.sakd.monitor.RunLog;

class VideoDecoderTest {
  static final ClipSpec RAW =
      new ClipSpec(8, 2, 48, 48, new float[] {0, 0, 0}, new float[] {1, 1, 1});

  @TempDir static Path dir;
  static Path avi;
  static Path mp4;
  final VideoDecoder decoder = new VideoDecoder();

  @BeforeAll
  static void videos() {
    avi = VideoFixtures.generated(dir.resolve("avi"), "avi", 24, 64, 48);
    mp4 = VideoFixtures.generated(dir.resolve("mp4"), "mp4", 24, 64, 48);
  }

  static Path of(String container) {
    return container.equals("avi") ? avi : mp4;
  }

  /**
   * Closing a file must not trim the process's C heap: JavaCV's grabber did (malloc_trim on every
   * release), and with one file per clip the trims ran beside the training step, whose freed tensor
   * pages went back to the kernel and faulted in again (FfmpegVideo). Here 96 MiB of C heap is
   * freed but kept by malloc, and decoding, probing and counting must leave it resident.
   */
  @Test
  @EnabledOnOs(OS.LINUX)
  void decodingLeavesFreedCHeapToMalloc() {
    int blocks = 1536, size = 64 * 1024; // under glibc's mmap threshold: from an arena
    long[] p = new long[blocks];
    for (int i = 0; i < blocks; i++) {
      p[i] = Native.malloc(size);
      new Pointer(p[i]).setMemory(0, size, (byte) 1);
    }
    long keep = Native.malloc(size); // above them, so free() alone cannot shrink the heap
    try {
      for (long a : p) Native.free(a);
      double before = RunLog.rssMiB();
      for (int i = 0; i < 5; i++) {
        decoder.decode(avi, RAW, true, i);
        decoder.decode(mp4, RAW, false, 0);
      }
      decoder.probe(avi);
      decoder.countFrames(mp4);
      double after = RunLog.rssMiB();
      assertTrue(
          before - after < 32,
          "decoding gave back "
              + (before - after)
              + " MiB of freed heap (RSS "
              + before
              + " -> "
              + after
              + "): something trimmed the heap");
    } finally {
      Native.free(keep);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"avi", "mp4"})
  void probeAndCountFrames(String container) {
    VideoInfo info = decoder.probe(of(container));
    assertEquals(24, info.frames());
    assertEquals(25.0, info.fps(), 1e-6);
    assertEquals(64, info.width());
    assertEquals(48, info.height());
    assertEquals(24, decoder.countFrames(of(container)).frames());
  }

  @ParameterizedTest
  @ValueSource(strings = {"avi", "mp4"})
  void testClipTakesTheCentreFramesAndCentreCrop(String container) {
    Path f = of(container);
    Clip clip = decoder.decode(f, RAW, false, 0);
    assertArrayEquals(new long[] {3, 8, 48, 48}, clip.shape());
    // At the native size nothing is rescaled, so the clip must equal the matching frames of a full
    // decode.
    Clip all = decoder.decodeAll(f, 64, 48);
    assertEquals(24, all.frames());
    int[] idx = VideoDecoder.frameIndices(24, 8, 2, false, new Random(0));
    for (int t = 0; t < 8; t++) {
      for (int c = 0; c < 3; c++) {
        for (int y = 0; y < 48; y += 7) {
          for (int x = 0; x < 48; x += 5) {
            assertEquals(
                all.at(c, idx[t], y, x + 8), clip.at(c, t, y, x), 0f, "t=" + t + " c=" + c);
          }
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"avi", "mp4"})
  void trainingClipsAreSeededResizedAndNormalised(String container) {
    ClipSpec spec = ClipSpec.of(4, 3, 32, 28);
    Clip a = decoder.decode(of(container), spec, true, 42);
    assertArrayEquals(new long[] {3, 4, 28, 28}, a.shape());
    assertArrayEquals(a.data(), decoder.decode(of(container), spec, true, 42).data());
    boolean differs = false;
    for (long seed = 1; seed < 6 && !differs; seed++) {
      differs = !Arrays.equals(a.data(), decoder.decode(of(container), spec, true, seed).data());
    }
    assertTrue(differs, "other seeds give other windows or crops");
    float lo = (0 - 0.45f) / 0.225f, hi = (1 - 0.45f) / 0.225f;
    double sum = 0;
    for (float v : a.data()) {
      assertTrue(v >= lo - 1e-5 && v <= hi + 1e-5, "normalised value out of range: " + v);
      sum += v;
    }
    assertTrue(Math.abs(sum / a.data().length) < hi, "not a constant image");
  }

  @Test
  void shortVideosAreLoopPadded() {
    ClipSpec spec = new ClipSpec(16, 2, 48, 48, new float[] {0, 0, 0}, new float[] {1, 1, 1});
    Clip clip = decoder.decode(avi, spec, false, 0);
    // Indices 0, 2, ..., 22, then 0, 2, ...: clip frame 12 shows source frame 0 again.
    for (int y = 0; y < 48; y += 3) assertEquals(clip.at(1, 0, y, y), clip.at(1, 12, y, y), 0f);
    assertFalse(
        clip.at(1, 0, 20, 20) == clip.at(1, 6, 20, 20)
            && clip.at(0, 0, 10, 30) == clip.at(0, 6, 10, 30)
            && clip.at(2, 0, 40, 5) == clip.at(2, 6, 40, 5),
        "frames 0 and 12 of the source differ");
  }

  @Test
  void decodesClipsWrittenByTheFfmpegCommand() throws Exception {
    Path f =
        VideoFixtures.ffmpeg(
            dir.resolve("testsrc.mp4"),
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x48:rate=25",
            "-frames:v",
            "30");
    assertEquals(30, decoder.countFrames(f).frames());
    Clip c = decoder.decode(f, ClipSpec.of(8, 3, 48, 40), false, 0);
    assertArrayEquals(new long[] {3, 8, 40, 40}, c.shape());
  }

  @Test
  void decodesWebmWithoutAStoredFrameCount() throws Exception {
    // SSv2 ships VP9 WebM, whose container stores no frame count: the decoder goes by duration x
    // fps.
    Path f =
        VideoFixtures.ffmpeg(
            dir.resolve("clip.webm"),
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x48:rate=12",
            "-frames:v",
            "30",
            "-c:v",
            "libvpx-vp9");
    assertEquals(30, decoder.countFrames(f).frames());
    Clip test = decoder.decode(f, RAW, false, 0);
    Clip all = decoder.decodeAll(f, 64, 48);
    int[] idx = VideoDecoder.frameIndices(30, 8, 2, false, new Random(0));
    assertEquals(all.at(0, idx[7], 20, 30), test.at(0, 7, 20, 22), 0f);
    assertArrayEquals(new long[] {3, 8, 48, 48}, decoder.decode(f, RAW, true, 9).shape());
  }

  @Test
  void corruptInputsFailWithTheirReasonAndNeverHang() throws Exception {
    Path random = dir.resolve("random.avi");
    byte[] noise = new byte[20_000];
    new Random(1).nextBytes(noise);
    Files.write(random, noise);
    Path empty = Files.write(dir.resolve("empty.mp4"), new byte[0]);
    Path longAvi = VideoFixtures.generated(dir.resolve("long"), "avi", 60, 64, 48);
    Path cutAvi = VideoFixtures.cut(longAvi, dir.resolve("cut.avi"), 0.6);
    Path fastStart =
        VideoFixtures.ffmpeg(
            dir.resolve("faststart.mp4"),
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=96x64:rate=25,noise=alls=30:allf=t",
            "-frames:v",
            "60",
            "-movflags",
            "+faststart");
    Path cutMp4 = VideoFixtures.cut(fastStart, dir.resolve("cut-faststart.mp4"), 0.5);
    Path moovAtEnd =
        VideoFixtures.cut(
            VideoFixtures.ffmpeg(
                dir.resolve("moov-end.mp4"),
                "-f",
                "lavfi",
                "-i",
                "testsrc=size=96x64:rate=25,noise=alls=30:allf=t",
                "-frames:v",
                "60"),
            dir.resolve("cut-moov-end.mp4"),
            0.5);
    Path zeroFrames =
        VideoFixtures.ffmpeg(
            dir.resolve("zero.avi"),
            "-f",
            "lavfi",
            "-i",
            "testsrc=size=64x48:rate=25",
            "-frames:v",
            "0");
    Path audioOnly =
        VideoFixtures.ffmpeg(
            dir.resolve("audio.m4a"), "-f", "lavfi", "-i", "anullsrc", "-t", "0.5");

    assertTimeoutPreemptively(
        Duration.ofSeconds(30),
        () -> {
          expect(VideoDecodeException.Reason.MISSING, dir.resolve("nothing-here.avi"));
          expect(VideoDecodeException.Reason.EMPTY_FILE, empty);
          expect(VideoDecodeException.Reason.UNREADABLE, random);
          expect(VideoDecodeException.Reason.UNREADABLE, moovAtEnd);
          expect(VideoDecodeException.Reason.UNREADABLE, audioOnly);
          expect(VideoDecodeException.Reason.ZERO_FRAMES, zeroFrames);
          expect(VideoDecodeException.Reason.TRUNCATED, cutAvi);
          expect(VideoDecodeException.Reason.TRUNCATED, cutMp4);
        });
  }

  private void expect(VideoDecodeException.Reason reason, Path file) {
    VideoDecodeException e =
        assertThrows(VideoDecodeException.class, () -> decoder.countFrames(file), file.toString());
    assertEquals(reason, e.reason(), e.getMessage());
    assertEquals(file, e.path());
    // A test clip needs the centre of the video, which a cut file no longer has.
    e =
        assertThrows(
            VideoDecodeException.class,
            () -> decoder.decode(file, ClipSpec.of(8, 2, 48, 40), false, 0));
    assertEquals(reason, e.reason(), e.getMessage());
  }

  /**
   * AVI headers that declare 2^31 − 16 frames (avih dwTotalFrames and strh dwLength) over a
   * 60-frame file.
   */
  @Test
  void aHeaderDeclaringBillionsOfFramesIsNamedNotAllocated() throws Exception {
    Path avi = VideoFixtures.generated(dir.resolve("huge"), "avi", 60, 64, 48);
    byte[] b = Files.readAllBytes(avi);
    java.nio.ByteBuffer bb = java.nio.ByteBuffer.wrap(b).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    int patched = 0;
    for (int i = 0; i + 8 < b.length && patched < 2; i++) {
      if (b[i] == 'a' && b[i + 1] == 'v' && b[i + 2] == 'i' && b[i + 3] == 'h') {
        bb.putInt(i + 8 + 16, Integer.MAX_VALUE - 16); // dwTotalFrames
        patched++;
      } else if (b[i] == 's'
          && b[i + 1] == 't'
          && b[i + 2] == 'r'
          && b[i + 3] == 'h'
          && b[i + 8] == 'v') {
        bb.putInt(i + 8 + 32, Integer.MAX_VALUE - 16); // dwLength of the video stream
        patched++;
      }
    }
    assertEquals(2, patched, "both header fields found");
    Path crafted = Files.write(dir.resolve("crafted.avi"), b);
    assertTimeoutPreemptively(
        Duration.ofSeconds(30),
        () -> {
          for (long seed = 0; seed < 4; seed++) {
            long s = seed;
            try {
              Clip c = decoder.decode(crafted, ClipSpec.of(8, 2, 48, 40), true, s);
              assertEquals(8, c.frames());
            } catch (VideoDecodeException e) {
              assertEquals(crafted, e.path(), e.getMessage());
            }
          }
        });
  }

  @Test
  void rejectsBadDecoderSettings() {
    assertThrows(IllegalArgumentException.class, () -> new VideoDecoder(0, false));
    assertThrows(IllegalArgumentException.class, () -> ClipSpec.of(8, 2, 32, 48));
  }
}

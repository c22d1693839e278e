package org.sakd.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Test videos: from our generator, and from the Debian ffmpeg command (which CI installs). */
final class VideoFixtures {
  static final Path FFMPEG = Path.of("/usr/bin/ffmpeg");

  private VideoFixtures() {}

  /**
   * Runs /usr/bin/ffmpeg; fails (never skips) when it is absent, because CI must exercise foreign
   * files.
   */
  static Path ffmpeg(Path out, String... args) throws IOException, InterruptedException {
    assertTrue(
        Files.isExecutable(FFMPEG),
        "/usr/bin/ffmpeg is required for this test (apt-get install ffmpeg)");
    List<String> cmd = new ArrayList<>(List.of(FFMPEG.toString(), "-v", "error", "-y"));
    cmd.addAll(List.of(args));
    cmd.add(out.toString());
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    boolean done = p.waitFor(60, TimeUnit.SECONDS);
    String log = new String(p.getInputStream().readAllBytes());
    assertTrue(done, "ffmpeg did not finish: " + cmd);
    assertEquals(0, p.exitValue(), "ffmpeg failed: " + cmd + "\n" + log);
    return out;
  }

  /** The first video (class 0, group 1, clip 1) of a freshly generated set. */
  static Path generated(Path dir, String container, int frames, int width, int height) {
    SyntheticSpec spec = new SyntheticSpec(2, 1, 1, frames, width, height, 25, 11, container, 0);
    SyntheticActions.generate(dir, spec);
    return dir.resolve("videos/MoveLeft/v_MoveLeft_g01_c01." + container);
  }

  static Path cut(Path source, Path target, double fraction) throws IOException {
    byte[] b = Files.readAllBytes(source);
    Files.write(target, java.util.Arrays.copyOf(b, (int) (b.length * fraction)));
    return target;
  }
}

package org.sakd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A split that lists no clip is a settings error before any training (it used to train on nothing
 * and exit 0).
 */
class EmptySplitTest {
  @TempDir Path dir;

  @Test
  void anEmptyTrainingListIsExit2() throws Exception {
    Path videos = dir.resolve("UCF-101");
    Path lists = dir.resolve("ucfTrainTestlist");
    Files.createDirectories(videos.resolve("A"));
    Files.createDirectories(lists);
    Files.writeString(lists.resolve("classInd.txt"), "1 A\n2 B\n");
    Files.writeString(lists.resolve("trainlist01.txt"), "\n");
    Files.writeString(lists.resolve("testlist01.txt"), "A/v_A_g01_c01.avi\n");
    assertEquals(
        2,
        Main.execute(
            "train-teacher",
            "--set",
            "data.format=ucf101",
            "--set",
            "data.root=\"" + videos + "\"",
            "--set",
            "run.dir=\"" + dir.resolve("runs") + "\"",
            "--set",
            "run.name=e"));
    assertEquals(false, Files.exists(dir.resolve("runs/e/checkpoints")));
  }
}

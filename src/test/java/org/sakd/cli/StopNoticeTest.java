package org.sakd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The line a stopped run prints repeats the command that started it, a valid command line. */
class StopNoticeTest {
  @TempDir Path dir;

  @Test
  void aStoppedCoordinatorNodeIsStartedAgainAsANode() {
    String said =
        StopNotice.message(
            dir.resolve("runs/cl"),
            "node",
            List.of(
                "node", "-c", "conf/cluster-local.conf", "--role", "coordinator", "--overwrite"));
    assertEquals(
        "stopped: "
            + dir.resolve("runs/cl")
            + " has no checkpoint yet (no epoch finished); start it again with: scripts/sakd node"
            + " --overwrite -c conf/cluster-local.conf --role coordinator",
        said);
  }
}

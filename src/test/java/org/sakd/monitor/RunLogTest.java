package org.sakd.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The run log's listeners: the events.jsonl object, after it is written; a failing one is
 * contained.
 */
class RunLogTest {
  @TempDir Path dir;

  @Test
  void listenersGetEachEventAsWrittenAndAFailingOneChangesNothing() throws Exception {
    RunLog log = new RunLog(dir);
    List<String> seen = new ArrayList<>();
    Consumer<Map<String, Object>> broken =
        e -> {
          throw new IllegalStateException("an observer's bug");
        };
    Consumer<Map<String, Object>> keep = e -> seen.add(Json.write(e));
    log.addListener(broken);
    log.addListener(keep);
    log.event("epoch", Map.of("epoch", 1));
    log.event("finished", Map.of("epochs", 1));
    log.removeListener(keep);
    log.event("late", Map.of());
    List<String> lines = Files.readAllLines(dir.resolve("events.jsonl"));
    assertEquals(3, lines.size());
    assertEquals(lines.subList(0, 2), seen);
  }
}

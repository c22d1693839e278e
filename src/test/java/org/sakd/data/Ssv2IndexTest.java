package org.sakd.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Ssv2IndexTest {
  @TempDir Path root;
  Path ann;

  @BeforeEach
  void layout() throws IOException {
    ann = root.resolve("annotations");
    Files.createDirectories(ann);
    Ucf101IndexTest.touch(root.resolve("1.webm"));
    Ucf101IndexTest.touch(root.resolve("2.webm"));
    Files.writeString(
        ann.resolve("something-something-v2-labels.json"),
        "{\r\n \"Pushing something from left to right\": \"1\",\r\n \"Putting something on something\": \"0\"\r\n}\r\n");
    Files.writeString(
        ann.resolve("something-something-v2-train.json"),
        "[\n"
            + "{\"id\":\"1\",\"label\":\"putting a cup on a table\",\"template\":\"Putting [something] on [something]\",\"placeholders\":[\"a cup\",\"a table\"]},\n"
            + "{\"id\":\"2\",\"label\":\"pushing \\\"pen\\\" from left to right\",\"template\":\"Pushing [something] from left to right\",\"placeholders\":[\"pen\"]}\n"
            + "]\n");
    Files.writeString(
        ann.resolve("something-something-v2-validation.json"),
        "[{\"id\":\"3\",\"label\":\"x\",\"template\":\"Putting [something] on [something]\",\"placeholders\":[]}]");
  }

  @Test
  void readsTemplatesAsClasses() {
    DatasetIndex idx = Ssv2Index.load(root, ann);
    assertEquals(
        List.of("Putting something on something", "Pushing something from left to right"),
        idx.classes());
    assertEquals(0, idx.train().get(0).label());
    assertEquals(1, idx.train().get(1).label());
    assertEquals(root.resolve("2.webm"), idx.train().get(1).path());
    assertEquals(1, idx.test().size());
    assertEquals(1, idx.problems().size(), "3.webm is missing");
    assertEquals(idx.train(), Datasets.open("ssv2", root, Map.of()).train());
  }

  @Test
  void unknownTemplateNamesFileAndLine() throws IOException {
    Files.writeString(
        ann.resolve("something-something-v2-train.json"),
        "[\n"
            + "{\"id\":\"1\",\"template\":\"Putting [something] on [something]\"},\n"
            + "{\"id\":\"2\",\n \"template\":\"Juggling [something]\"}\n]");
    ListFormatException e =
        assertThrows(ListFormatException.class, () -> Ssv2Index.load(root, ann));
    assertTrue(e.getMessage().contains("something-something-v2-train.json:3"), e.getMessage());
  }

  @Test
  void brokenJsonNamesFileAndLine() throws IOException {
    Files.writeString(
        ann.resolve("something-something-v2-validation.json"),
        "[\n{\"id\":\"3\",\n\"template\" \"x\"}]");
    ListFormatException e =
        assertThrows(ListFormatException.class, () -> Ssv2Index.load(root, ann));
    assertTrue(e.getMessage().contains("something-something-v2-validation.json:3"), e.getMessage());
  }
}

package org.sakd.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetScannerTest {
  @TempDir Path dir;

  @Test
  void reportsEachKindOfBrokenFile() throws Exception {
    Path root =
        SyntheticActions.generate(
            dir.resolve("syn"), new SyntheticSpec(2, 4, 1, 60, 48, 32, 25, 2, "avi", 1));
    Path shortOne =
        SyntheticActions.generate(
                dir.resolve("short"), new SyntheticSpec(2, 1, 1, 10, 48, 32, 25, 2, "avi", 0))
            .resolve("videos/MoveLeft/v_MoveLeft_g01_c01.avi");
    Path v = root.resolve("videos");
    byte[] noise = new byte[5000];
    new Random(3).nextBytes(noise);
    Files.write(v.resolve("MoveLeft/v_MoveLeft_g01_c01.avi"), noise);
    Files.write(v.resolve("MoveLeft/v_MoveLeft_g02_c01.avi"), new byte[0]);
    Files.delete(v.resolve("MoveLeft/v_MoveLeft_g03_c01.avi"));
    VideoFixtures.cut(
        v.resolve("MoveRight/v_MoveRight_g01_c01.avi"),
        v.resolve("MoveRight/v_MoveRight_g01_c01.avi"),
        0.6);
    Files.copy(
        shortOne,
        v.resolve("MoveRight/v_MoveRight_g02_c01.avi"),
        StandardCopyOption.REPLACE_EXISTING);

    DatasetIndex idx = Datasets.open("synthetic", root, Map.of());
    assertEquals(
        1, idx.problems().size(), "the deleted file is an index problem: " + idx.problems());
    ScanReport report =
        assertTimeoutPreemptively(
            Duration.ofSeconds(60), () -> DatasetScanner.scan(idx, ClipSpec.of(8, 2, 32, 28), 2));

    assertEquals(8, report.files());
    assertEquals(4, report.ok(), "3 intact files + 1 too short but usable");
    Map<String, String> bad =
        report.bad().stream()
            .collect(
                Collectors.toMap(
                    b -> b.path().getFileName().toString(), ScanReport.Finding::reason));
    assertEquals(
        Map.of(
            "v_MoveLeft_g01_c01.avi",
            "UNREADABLE",
            "v_MoveLeft_g02_c01.avi",
            "EMPTY_FILE",
            "v_MoveLeft_g03_c01.avi",
            "MISSING",
            "v_MoveRight_g01_c01.avi",
            "TRUNCATED"),
        bad);
    assertEquals(
        List.of(
            new ScanReport.Finding(v.resolve("MoveRight/v_MoveRight_g02_c01.avi"), "TOO_SHORT")),
        report.warnings());
    assertEquals(Map.of("48x32", 4), report.resolutions());

    String json = report.toJson();
    assertTrue(
        json.startsWith("{\"format\":\"synthetic\",\"files\":8,\"ok\":4,\"bad\":[{\"path\":"),
        json);
    assertTrue(json.contains("\"reason\":\"TRUNCATED\"") && json.contains("\"warnings\":[{"), json);
    assertTrue(json.contains("\"frames\":{\"min\":10,\"mean\":47.5,\"max\":60}"), json);

    Path out = dir.resolve("report");
    report.writeReport(out);
    List<String> tsv = Files.readAllLines(out.resolve("index.tsv"));
    assertEquals("path\tframes\tfps\twidth\theight\tstatus", tsv.get(0));
    assertEquals(9, tsv.size());
    assertTrue(
        tsv.stream().anyMatch(l -> l.endsWith("\t10\t25.000\t48\t32\tTOO_SHORT")), tsv.toString());
    String text = Files.readString(out.resolve("scan-report.txt"));
    assertTrue(text.contains("WARNING (usable") && text.contains("BAD (cannot be used)"), text);
    assertTrue(Files.readString(out.resolve("scan-report.json")).startsWith("{"));
  }

  @Test
  void jsonStringsAreEscaped() {
    assertEquals("\"a\\\"b\\\\c\\nd\\u0001\"", org.sakd.monitor.Json.write("a\"b\\c\nd\u0001"));
    java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
    m.put("x", Double.NaN); // JSON has no NaN: null
    m.put("y", java.util.Arrays.asList(1, 2.5, Float.POSITIVE_INFINITY));
    m.put("z", "<=>"); // not HTML-escaped
    assertEquals("{\"x\":null,\"y\":[1,2.5,null],\"z\":\"<=>\"}", org.sakd.monitor.Json.write(m));
  }
}

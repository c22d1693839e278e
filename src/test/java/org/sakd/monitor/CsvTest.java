package org.sakd.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class CsvTest {

  @Test
  void fieldsAreQuotedAsRfc4180AndReadBackUnchanged() {
    List<Object> row =
        Arrays.asList(3, "v_Punch,g01", "say \"hi\"", null, 0.5, "plain", "two\rparts");
    String line = Csv.row(row);
    assertEquals("3,\"v_Punch,g01\",\"say \"\"hi\"\"\",,0.500000,plain,\"two\rparts\"\n", line);
    assertEquals(
        List.of("3", "v_Punch,g01", "say \"hi\"", "", "0.500000", "plain", "two\rparts"),
        Csv.parse(line.substring(0, line.length() - 1)));
    assertEquals(List.of(""), Csv.parse(""));
    assertEquals(List.of("a", "", "b"), Csv.parse("a,,b"));
  }
}

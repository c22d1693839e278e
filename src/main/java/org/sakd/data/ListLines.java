package org.sakd.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The non-blank lines of a list file with their 1-based numbers. Real lists come with CRLF endings,
 * a BOM, trailing blanks and empty lines (UCF101's lists end with one); all of that is normalised
 * here once.
 */
record ListLines(Path file, List<Line> lines) {

  record Line(int number, String text) {
    String[] tokens() {
      return text.split("\\s+");
    }
  }

  static ListLines read(Path file) {
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException("list file not found: " + file);
    }
    String content;
    try {
      content = Files.readString(file, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read list file " + file, e);
    }
    if (content.startsWith("\uFEFF")) content = content.substring(1);
    String[] raw = content.split("\r\n|\r|\n", -1);
    List<Line> lines = new ArrayList<>();
    for (int i = 0; i < raw.length; i++) {
      String t = raw[i].strip();
      if (!t.isEmpty()) lines.add(new Line(i + 1, t));
    }
    return new ListLines(file, lines);
  }

  ListFormatException error(Line line, String problem) {
    return new ListFormatException(file, line.number(), problem + " in line '" + line.text() + "'");
  }
}

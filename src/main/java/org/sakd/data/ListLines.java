package org.sakd.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
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
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read list file " + file, e);
    }
    String content = utf8(file, bytes);
    if (content.startsWith("\uFEFF")) content = content.substring(1);
    String[] raw = content.split("\r\n|\r|\n", -1);
    List<Line> lines = new ArrayList<>();
    for (int i = 0; i < raw.length; i++) {
      String t = raw[i].strip();
      if (!t.isEmpty()) lines.add(new Line(i + 1, t));
    }
    return new ListLines(file, lines);
  }

  /** The text of a list; bytes that are not UTF-8 are a list error naming their line. */
  private static String utf8(Path file, byte[] bytes) {
    CharsetDecoder decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    ByteBuffer in = ByteBuffer.wrap(bytes);
    CharBuffer out = CharBuffer.allocate(bytes.length); // UTF-8 never gives more chars than bytes
    CoderResult r = decoder.decode(in, out, true);
    if (!r.isError()) {
      r = decoder.flush(out);
    }
    if (r.isError()) {
      int line = 1;
      for (int i = 0; i < in.position(); i++) {
        if (bytes[i] == '\n') line++;
      }
      throw new ListFormatException(
          file,
          line,
          String.format(
              "not UTF-8 text (byte 0x%02x at offset %d)",
              bytes[in.position()] & 0xff, in.position()));
    }
    return out.flip().toString();
  }

  ListFormatException error(Line line, String problem) {
    return new ListFormatException(file, line.number(), problem + " in line '" + line.text() + "'");
  }
}

package org.sakd.data;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small JSON reader for annotation files that keeps the line each object starts on, so that a bad
 * entry can be reported as {@code file:line} like any other list error. Values become {@link
 * JsonObject}, {@link List}, {@link String}, {@link Double}, {@link Boolean} or null.
 */
final class JsonText {
  /** An object with the 1-based line of its opening brace. */
  record JsonObject(Map<String, Object> fields, int line) {}

  private final Path file;
  private final String text;
  private int pos;
  private int line = 1;

  private JsonText(Path file, String text) {
    this.file = file;
    this.text = text;
  }

  static Object parse(Path file, String text) {
    JsonText p = new JsonText(file, text.startsWith("\uFEFF") ? text.substring(1) : text);
    p.skipBlanks();
    Object v = p.value();
    p.skipBlanks();
    if (p.pos != p.text.length()) throw p.error("unexpected text after the JSON value");
    return v;
  }

  ListFormatException error(String problem) {
    return new ListFormatException(file, line, problem);
  }

  private Object value() {
    if (pos >= text.length()) throw error("unexpected end of file");
    char c = text.charAt(pos);
    switch (c) {
      case '{':
        return object();
      case '[':
        return array();
      case '"':
        return string();
      case 't':
        return literal("true", Boolean.TRUE);
      case 'f':
        return literal("false", Boolean.FALSE);
      case 'n':
        return literal("null", null);
      default:
        if (c == '-' || (c >= '0' && c <= '9')) return number();
        throw error("unexpected character '" + c + "'");
    }
  }

  private JsonObject object() {
    int startLine = line;
    pos++;
    Map<String, Object> fields = new LinkedHashMap<>();
    skipBlanks();
    if (peek() == '}') {
      pos++;
      return new JsonObject(fields, startLine);
    }
    while (true) {
      skipBlanks();
      if (peek() != '"') throw error("expected a quoted field name");
      String key = string();
      skipBlanks();
      expect(':');
      skipBlanks();
      fields.put(key, value());
      skipBlanks();
      char c = next();
      if (c == '}') return new JsonObject(fields, startLine);
      if (c != ',') throw error("expected ',' or '}' in object");
    }
  }

  private List<Object> array() {
    pos++;
    List<Object> items = new ArrayList<>();
    skipBlanks();
    if (peek() == ']') {
      pos++;
      return items;
    }
    while (true) {
      skipBlanks();
      items.add(value());
      skipBlanks();
      char c = next();
      if (c == ']') return items;
      if (c != ',') throw error("expected ',' or ']' in array");
    }
  }

  private String string() {
    pos++;
    StringBuilder sb = new StringBuilder();
    while (true) {
      if (pos >= text.length()) throw error("unterminated string");
      char c = text.charAt(pos++);
      if (c == '"') return sb.toString();
      if (c == '\n') throw error("line break inside a string");
      if (c != '\\') {
        sb.append(c);
        continue;
      }
      char e = next();
      switch (e) {
        case '"', '\\', '/' -> sb.append(e);
        case 'b' -> sb.append('\b');
        case 'f' -> sb.append('\f');
        case 'n' -> sb.append('\n');
        case 'r' -> sb.append('\r');
        case 't' -> sb.append('\t');
        case 'u' -> {
          if (pos + 4 > text.length()) throw error("truncated \\u escape");
          try {
            sb.append((char) Integer.parseInt(text.substring(pos, pos + 4), 16));
          } catch (NumberFormatException ex) {
            throw error("bad \\u escape");
          }
          pos += 4;
        }
        default -> throw error("bad escape \\" + e);
      }
    }
  }

  private Double number() {
    int start = pos;
    while (pos < text.length() && "+-0123456789.eE".indexOf(text.charAt(pos)) >= 0) pos++;
    try {
      return Double.parseDouble(text.substring(start, pos));
    } catch (NumberFormatException e) {
      throw error("bad number '" + text.substring(start, pos) + "'");
    }
  }

  private Object literal(String word, Object value) {
    if (!text.startsWith(word, pos)) throw error("unexpected token, expected " + word);
    pos += word.length();
    return value;
  }

  private void skipBlanks() {
    while (pos < text.length()) {
      char c = text.charAt(pos);
      if (c == '\n') line++;
      else if (c != ' ' && c != '\t' && c != '\r') return;
      pos++;
    }
  }

  private char peek() {
    if (pos >= text.length()) throw error("unexpected end of file");
    return text.charAt(pos);
  }

  private char next() {
    char c = peek();
    pos++;
    return c;
  }

  private void expect(char c) {
    if (next() != c) throw error("expected '" + c + "'");
  }
}

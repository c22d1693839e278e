package org.sakd.monitor;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * CSV rows as RFC 4180 writes them: a field holding a comma, a double quote or a line break is
 * quoted, its quotes doubled; nothing is replaced or lost. Lines end with LF. Doubles are written
 * with six decimals (Locale.ROOT), null as an empty field.
 */
public final class Csv {
  private Csv() {}

  /** One line, with its line end. */
  public static String row(List<?> fields) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < fields.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      sb.append(field(fields.get(i)));
    }
    return sb.append('\n').toString();
  }

  /** One field, quoted where RFC 4180 requires it. */
  public static String field(Object v) {
    String s =
        v == null
            ? ""
            : v instanceof Double || v instanceof Float
                ? String.format(Locale.ROOT, "%.6f", ((Number) v).doubleValue())
                : v.toString();
    if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) {
      return s;
    }
    return '"' + s.replace("\"", "\"\"") + '"';
  }

  /** The fields of one line written by {@link #row} (a quoted field may not span lines here). */
  public static List<String> parse(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder f = new StringBuilder();
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quoted) {
        if (c == '"' && i + 1 < line.length() && line.charAt(i + 1) == '"') {
          f.append('"');
          i++;
        } else if (c == '"') {
          quoted = false;
        } else {
          f.append(c);
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == ',') {
        out.add(f.toString());
        f.setLength(0);
      } else {
        f.append(c);
      }
    }
    out.add(f.toString());
    return out;
  }
}

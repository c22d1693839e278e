package org.sakd.monitor;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The machine-readable outputs (events, summaries, scan reports) as one-line JSON, written by Gson
 * (in the jar through DJL). Maps keep their order; a non-finite number (JSON has none) is written
 * as null; any other object as its string.
 */
public final class Json {
  private static final Gson GSON =
      new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

  private Json() {}

  public static String write(Object v) {
    return GSON.toJson(plain(v));
  }

  /**
   * One JSON object (an events.jsonl line) as maps, lists, strings, numbers (whole ones as Long),
   * booleans and nulls; a line that is not an object is an IllegalArgumentException.
   */
  public static Map<String, Object> read(String json) {
    try {
      Object v = READER.fromJson(json, Object.class);
      if (v instanceof Map<?, ?> m) {
        Map<String, Object> out = new LinkedHashMap<>();
        m.forEach((k, x) -> out.put(String.valueOf(k), x));
        return out;
      }
    } catch (com.google.gson.JsonParseException e) {
      throw new IllegalArgumentException("not a JSON object: " + e.getMessage(), e);
    }
    throw new IllegalArgumentException("not a JSON object: " + json);
  }

  private static final Gson READER =
      new GsonBuilder()
          .setObjectToNumberStrategy(com.google.gson.ToNumberPolicy.LONG_OR_DOUBLE)
          .create();

  /** The value as maps, lists, strings, finite numbers, booleans and nulls only. */
  private static Object plain(Object v) {
    if (v == null || v instanceof String || v instanceof Boolean) {
      return v;
    }
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      return Double.isFinite(d) ? v : null;
    }
    if (v instanceof Number) {
      return v;
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), plain(x)));
      return out;
    }
    if (v instanceof Collection<?> c) {
      List<Object> out = new ArrayList<>(c.size());
      c.forEach(x -> out.add(plain(x)));
      return out;
    }
    return v.toString();
  }
}

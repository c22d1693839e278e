package org.sakd.data;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Resolves list entries against the files really on disk, listing each folder once (a Kinetics
 * index has hundreds of thousands of entries; one stat per entry is slow on network disks).
 * Optionally ignores case, because UCF101's lists spell {@code HandStandPushups} where the folder
 * is {@code HandstandPushups}.
 */
final class FolderListing {
  private final boolean ignoreCase;
  private final Map<Path, Map<String, String>> listings = new HashMap<>();

  FolderListing(boolean ignoreCase) {
    this.ignoreCase = ignoreCase;
  }

  /**
   * The existing path for {@code relative} under {@code root}, each segment matched against the
   * real names, or null when some segment does not exist.
   */
  /**
   * Whether a list entry points outside its data root: an absolute path, or one whose {@code ..}
   * segments climb above it. Such entries are reported (file:line) and never indexed, so nothing
   * outside the root is opened.
   */
  static boolean leaves(Path root, String relative) {
    String rel = relative.replace('\\', '/');
    if (rel.startsWith("/") || rel.matches("^[A-Za-z]:.*")) return true;
    Path base = root.toAbsolutePath().normalize();
    try {
      return !base.resolve(rel).normalize().startsWith(base);
    } catch (java.nio.file.InvalidPathException e) {
      return true;
    }
  }

  Path resolve(Path root, String relative) {
    Path current = root;
    for (String segment : relative.replace('\\', '/').split("/")) {
      if (segment.isEmpty() || segment.equals(".")) continue;
      String actual = entries(current).get(key(segment));
      if (actual == null) return null;
      current = current.resolve(actual);
    }
    return current;
  }

  private String key(String name) {
    return ignoreCase ? name.toLowerCase(Locale.ROOT) : name;
  }

  private Map<String, String> entries(Path dir) {
    return listings.computeIfAbsent(
        dir,
        d -> {
          Map<String, String> names = new HashMap<>();
          if (!Files.isDirectory(d)) return names;
          try (Stream<Path> s = Files.list(d)) {
            s.forEach(
                p -> {
                  String name = p.getFileName().toString();
                  // Exact-case match wins when a folder holds names differing only by case.
                  names.merge(key(name), name, (old, neu) -> old);
                });
          } catch (IOException | UncheckedIOException e) {
            // before any work: bad input (exit 2) naming the folder and why, e.g. mode 000
            Throwable cause = e instanceof UncheckedIOException u ? u.getCause() : e;
            throw new IllegalArgumentException(
                "cannot list folder "
                    + d
                    + ": "
                    + (cause instanceof java.nio.file.AccessDeniedException
                        ? "permission denied"
                        : cause.toString()),
                e);
          }
          return names;
        });
  }
}

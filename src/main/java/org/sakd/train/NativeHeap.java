package org.sakd.train;

import com.sun.jna.Library;
import com.sun.jna.Native;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives the C heap's free pages back to the operating system once per epoch (glibc's {@code
 * malloc_trim(0)}, malloc_trim(3)).
 *
 * <p>PyTorch allocates and frees tensors of a few MiB every step. With glibc's default, dynamic
 * mmap threshold those come from the malloc arenas after the first large free, and the arenas
 * fragment: resident memory grows for tens of epochs although nothing leaks. A fixed low threshold
 * ({@code MALLOC_MMAP_THRESHOLD_=131072}) kept it flat but made every such tensor an mmap, a munmap
 * and fresh zeroed pages: epochs ran about 1.5× slower on the demo's work (README, Benchmarks).
 * Trimming once per epoch keeps the fast arenas and returns the free pages inside them ({@code
 * madvise(MADV_DONTNEED)} on every arena since glibc 2.8).
 *
 * <p>Where the C library has no malloc_trim (musl, macOS) this does nothing.
 */
public final class NativeHeap {
  private static final Logger LOG = LoggerFactory.getLogger(NativeHeap.class);

  /** The one libc function used, through JNA (already on the class path for DJL's engine). */
  private interface LibC extends Library {
    int malloc_trim(long pad);
  }

  private static final LibC LIBC = load();

  private NativeHeap() {}

  private static LibC load() {
    try {
      LibC c = Native.load("c", LibC.class);
      c.malloc_trim(0); // resolves the symbol now: absent -> UnsatisfiedLinkError here, once
      return c;
    } catch (UnsatisfiedLinkError | RuntimeException e) { // no libc by that name, or no such symbol
      LOG.debug("malloc_trim unavailable ({}); the C heap is not trimmed", e.toString());
      return null;
    }
  }

  /** Whether this C library has malloc_trim (glibc does; musl and macOS do not). */
  public static boolean available() {
    return LIBC != null;
  }

  /**
   * Returns free heap pages to the operating system; true when some memory was released. Safe from
   * any thread (glibc locks each arena while it trims it).
   */
  public static boolean trim() {
    return LIBC != null && LIBC.malloc_trim(0) == 1;
  }
}

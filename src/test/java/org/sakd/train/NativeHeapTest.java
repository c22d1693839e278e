package org.sakd.train;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.sakd.monitor.RunLog;

class NativeHeapTest {
  @Test
  @EnabledOnOs(OS.LINUX)
  void freedHeapPagesGoBackToTheSystemWhenTrimmed() {
    assertTrue(NativeHeap.available(), "glibc has malloc_trim");
    // 96 MiB in 64 KiB blocks (under glibc's mmap threshold, so from an arena), written so they are
    // resident, then freed below a block that stays: free() alone cannot give that memory back
    int blocks = 1536, size = 64 * 1024;
    long[] p = new long[blocks];
    for (int i = 0; i < blocks; i++) {
      p[i] = Native.malloc(size);
      new Pointer(p[i]).setMemory(0, size, (byte) 1);
    }
    long keep = Native.malloc(size);
    try {
      for (long a : p) Native.free(a);
      double before = RunLog.rssMiB();
      NativeHeap.trim();
      double after = RunLog.rssMiB();
      assertTrue(
          before - after > 64,
          "trim released " + (before - after) + " MiB of 96 (RSS " + before + " -> " + after + ")");
    } finally {
      Native.free(keep);
    }
  }
}

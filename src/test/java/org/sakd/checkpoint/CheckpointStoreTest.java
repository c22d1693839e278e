package org.sakd.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sakd.proto.CheckpointProto;

class CheckpointStoreTest {
  @Test
  void savesAtomicallyAndReadsBack(@TempDir Path dir) throws Exception {
    CheckpointStore store = new CheckpointStore(dir);
    store.save("last.ckpt", CheckpointProto.newBuilder().setEpoch(3).setModel("r3d-micro").build());
    // A crash mid-write leaves only a stray temp file; the previous checkpoint stays readable.
    Files.write(dir.resolve("last.ckpt123.tmp"), new byte[] {1, 2, 3});
    assertEquals(3, store.load("last.ckpt").orElseThrow().getEpoch());
    store.save("last.ckpt", CheckpointProto.newBuilder().setEpoch(4).setModel("r3d-micro").build());
    assertEquals(4, store.load("last.ckpt").orElseThrow().getEpoch());
    assertTrue(store.load("best.ckpt").isEmpty());
  }

  @Test
  void corruptCheckpointIsAClearError(@TempDir Path dir) throws Exception {
    Files.write(dir.resolve("last.ckpt"), new byte[] {(byte) 0xff, (byte) 0xff, 0x01});
    var e = assertThrows(IllegalStateException.class, () -> new CheckpointStore(dir).load("last.ckpt"));
    assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
  }
}

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
    var e =
        assertThrows(
            CorruptCheckpointException.class, () -> new CheckpointStore(dir).load("last.ckpt"));
    assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    Files.write(dir.resolve("empty.ckpt"), new byte[0]);
    e =
        assertThrows(
            CorruptCheckpointException.class, () -> new CheckpointStore(dir).load("empty.ckpt"));
    assertTrue(e.getMessage().contains("empty"), e.getMessage());
  }

  /**
   * One changed byte anywhere (here in the parameters, where Protobuf would still parse) is caught
   * on load.
   */
  @Test
  void aChangedByteFailsTheChecksum(@TempDir Path dir) throws Exception {
    CheckpointStore store = new CheckpointStore(dir);
    store.save(
        "last.ckpt",
        CheckpointProto.newBuilder()
            .setEpoch(3)
            .setModel("r3d-micro")
            .setParameters(com.google.protobuf.ByteString.copyFrom(new byte[4096]))
            .build());
    Path f = dir.resolve("last.ckpt");
    byte[] b = Files.readAllBytes(f);
    b[b.length / 2] ^= 0x10;
    Files.write(f, b);
    var e = assertThrows(CorruptCheckpointException.class, () -> store.load("last.ckpt"));
    assertTrue(e.getMessage().contains("checksum does not match"), e.getMessage());
    // a file written before the checksum existed (the bare message) still loads
    Files.write(
        f, CheckpointProto.newBuilder().setEpoch(5).setModel("r3d-micro").build().toByteArray());
    assertEquals(5, store.load("last.ckpt").orElseThrow().getEpoch());
  }

  /** The one line of a failed write says why in the OS's words (a full disk, a read-only one). */
  @Test
  void aFailedWriteSaysWhy(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("not-a-folder"), "x");
    CheckpointStore store = new CheckpointStore(file.resolve("checkpoints"));
    java.io.UncheckedIOException e =
        assertThrows(
            java.io.UncheckedIOException.class,
            () -> store.save(CheckpointStore.LAST, CheckpointProto.getDefaultInstance()));
    assertTrue(e.getMessage().endsWith("last.ckpt: Not a directory"), e.getMessage());
  }
}

package org.sakd.cluster;

import com.google.protobuf.ByteString;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.zip.CRC32;
import org.sakd.proto.BlobChunk;

/**
 * A byte array larger than one message (student parameters: 40+ MB) as {@link BlobChunk} messages
 * of at most {@link #MAX_CHUNK_BYTES}, and back. The chunks travel on the large-message lane when
 * the receiving actor is named {@link #RECEIVER_NAME} (see {@link
 * ClusterConfig#LARGE_MESSAGE_DESTINATIONS}).
 *
 * <p>Flow control is the sender's: Artery parks at most 256 large messages per peer (its
 * outbound-large-message-queue-size) and drops the rest, so a blob over ~200 MiB, or many blobs at
 * once, must wait for the receiver's acknowledgements between batches.
 */
public final class Blobs {

  /** Name for an actor that receives blob chunks: its messages go on the large-message lane. */
  public static final String RECEIVER_NAME = "blobs";

  /** Payload bytes per chunk: 1 KiB below the large lane's frame size, room for the envelope. */
  public static final int MAX_CHUNK_BYTES = ClusterConfig.MAX_LARGE_FRAME_BYTES - 1024;

  private Blobs() {}

  /** {@code blob} as chunks of {@link #MAX_CHUNK_BYTES}; the array is copied. */
  public static List<BlobChunk> split(String transferId, byte[] blob) {
    return split(transferId, blob, MAX_CHUNK_BYTES);
  }

  /** {@code blob} as chunks of at most {@code chunkBytes} (1..{@link #MAX_CHUNK_BYTES}). */
  public static List<BlobChunk> split(String transferId, byte[] blob, int chunkBytes) {
    if (chunkBytes < 1 || chunkBytes > MAX_CHUNK_BYTES) {
      throw new IllegalArgumentException(
          "chunkBytes " + chunkBytes + " is not in 1.." + MAX_CHUNK_BYTES);
    }
    int count = Math.max(1, (int) ((blob.length + (long) chunkBytes - 1) / chunkBytes));
    CRC32 crc = new CRC32();
    crc.update(blob);
    int sum = (int) crc.getValue();
    List<BlobChunk> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int from = (int) Math.min((long) i * chunkBytes, blob.length);
      int to = (int) Math.min((long) (i + 1) * chunkBytes, blob.length);
      out.add(
          BlobChunk.newBuilder()
              .setTransferId(transferId)
              .setIndex(i)
              .setCount(count)
              .setTotalBytes(blob.length)
              .setCrc32(sum)
              .setChunkBytes(chunkBytes)
              .setData(ByteString.copyFrom(blob, from, to - from))
              .build());
    }
    return out;
  }

  /** A chunk that does not fit the blob being assembled (wrong transfer, duplicate, bad sizes). */
  public static final class BlobException extends RuntimeException {
    BlobException(String message) {
      super(message);
    }
  }

  /**
   * The receiving side of one transfer: chunks in any order; {@link #add} rejects duplicates and
   * chunks of another shape, {@link #missing} names what has not come, {@link #bytes} checks length
   * and CRC-32. Not thread-safe: one actor owns it.
   */
  public static final class Assembly {
    private final String transferId;
    private final int count;
    private final long totalBytes;
    private final int crc32;
    private final byte[] data;
    private final BitSet got;
    private final int chunkBytes;

    /** An assembly shaped by the first chunk that arrives (any index). */
    public Assembly(BlobChunk first) {
      long total = first.getTotalBytes();
      int size = first.getChunkBytes();
      if (total < 0
          || total > MAX_ARRAY
          || size < 1
          || first.getCount() != Math.max(1, (total + size - 1) / size)) {
        throw new BlobException(
            "transfer "
                + first.getTransferId()
                + ": "
                + first.getCount()
                + " chunks of "
                + size
                + " bytes do not make a blob of "
                + total
                + " bytes this JVM can hold");
      }
      this.transferId = first.getTransferId();
      this.count = first.getCount();
      this.totalBytes = first.getTotalBytes();
      this.crc32 = first.getCrc32();
      this.data = new byte[(int) totalBytes];
      this.got = new BitSet(count);
      this.chunkBytes = size;
      add(first);
    }

    private static final long MAX_ARRAY = Integer.MAX_VALUE - 16;

    public String transferId() {
      return transferId;
    }

    /**
     * Takes one chunk; true when it was the last one missing.
     *
     * @throws BlobException for another transfer's chunk, a duplicate, or a chunk whose index,
     *     count, total size or CRC disagrees with the first
     */
    public boolean add(BlobChunk c) {
      if (!c.getTransferId().equals(transferId)) {
        throw new BlobException(
            "chunk of transfer " + c.getTransferId() + " given to transfer " + transferId);
      }
      if (c.getCount() != count
          || c.getTotalBytes() != totalBytes
          || c.getCrc32() != crc32
          || c.getChunkBytes() != chunkBytes) {
        throw new BlobException(
            "transfer "
                + transferId
                + ": chunk "
                + c.getIndex()
                + " says "
                + c.getCount()
                + " chunks of "
                + c.getTotalBytes()
                + " bytes, the first said "
                + count
                + " of "
                + totalBytes);
      }
      int i = c.getIndex();
      if (i < 0 || i >= count) {
        throw new BlobException(
            "transfer " + transferId + ": chunk index " + i + " is not in 0.." + (count - 1));
      }
      if (got.get(i)) {
        throw new BlobException("transfer " + transferId + ": chunk " + i + " arrived twice");
      }
      long from = (long) i * chunkBytes;
      long expected = Math.max(0, Math.min(chunkBytes, totalBytes - from));
      if (c.getData().size() != expected) {
        throw new BlobException(
            "transfer "
                + transferId
                + ": chunk "
                + i
                + " has "
                + c.getData().size()
                + " bytes, expected "
                + expected);
      }
      c.getData().copyTo(data, (int) from);
      got.set(i);
      return isComplete();
    }

    public boolean isComplete() {
      return got.cardinality() == count;
    }

    /** Indices not received yet, ascending. */
    public List<Integer> missing() {
      List<Integer> out = new ArrayList<>();
      for (int i = got.nextClearBit(0); i < count; i = got.nextClearBit(i + 1)) {
        out.add(i);
      }
      return out;
    }

    /**
     * The blob, once every chunk has come and its CRC-32 matches.
     *
     * @throws BlobException naming the missing chunks, or on a CRC mismatch
     */
    public byte[] bytes() {
      if (!isComplete()) {
        List<Integer> m = missing();
        throw new BlobException(
            "transfer "
                + transferId
                + " is missing "
                + m.size()
                + " of "
                + count
                + " chunks: "
                + (m.size() > 10 ? m.subList(0, 10) + " …" : m));
      }
      CRC32 crc = new CRC32();
      crc.update(data);
      if ((int) crc.getValue() != crc32) {
        throw new BlobException("transfer " + transferId + ": CRC-32 mismatch after reassembly");
      }
      return data;
    }
  }
}

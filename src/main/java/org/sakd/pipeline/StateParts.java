package org.sakd.pipeline;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.sakd.checkpoint.Checkpoints;
import org.sakd.cluster.Blobs;
import org.sakd.proto.BlobChunk;
import org.sakd.proto.ReplicaState;
import org.sakd.proto.StatePart;

/**
 * A replica's state on the wire: {@link TrainerActor.State} as a {@link ReplicaState} message cut
 * into {@link StatePart}s small enough for Artery's ordinary lane (whose frames are 256 KiB by
 * default; a bigger message is dropped with only a log line), cut and checked by {@link Blobs}, and
 * put back together.
 */
final class StateParts {

  /** Data bytes per part: well under the ordinary lane's frame, leaving room for the envelope. */
  static final int PART_BYTES = 192 * 1024;

  private StateParts() {}

  static List<StatePart> split(long transfer, TrainerActor.State st) {
    ReplicaState.Builder b =
        ReplicaState.newBuilder()
            .setStudent(ByteString.copyFrom(st.student()))
            .setExtras(ByteString.copyFrom(st.extras() == null ? new byte[0] : st.extras()))
            .setChecksum(st.checksum())
            .setHasOptimizer(st.optimizer() != null);
    if (st.optimizer() != null) {
      b.addAllOptimizer(Checkpoints.tensors(st.optimizer()));
    }
    List<StatePart> parts = new ArrayList<>();
    for (BlobChunk c : Blobs.split(Long.toString(transfer), b.build().toByteArray(), PART_BYTES)) {
      parts.add(StatePart.newBuilder().setTransfer(transfer).setChunk(c).build());
    }
    return parts;
  }

  /** Collects the parts of one transfer (in any order); {@link #state()} once complete. */
  static final class Assembly {
    private Blobs.Assembly blob;

    /**
     * Adds a part; true when every part has arrived.
     *
     * @throws Blobs.BlobException for a duplicate, foreign or damaged part
     */
    boolean add(StatePart p) {
      if (blob == null) {
        blob = new Blobs.Assembly(p.getChunk());
        return blob.isComplete();
      }
      return blob.add(p.getChunk());
    }

    TrainerActor.State state() {
      ReplicaState rs;
      try {
        rs = ReplicaState.parseFrom(blob.bytes());
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("a replica state arrived damaged: " + e.getMessage(), e);
      }
      Map<String, float[]> opt =
          rs.getHasOptimizer() ? Checkpoints.tensors(rs.getOptimizerList()) : null;
      return new TrainerActor.State(
          rs.getStudent().toByteArray(), rs.getExtras().toByteArray(), opt, rs.getChecksum());
    }
  }
}

package org.sakd.pipeline;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.sakd.proto.NamedFloats;
import org.sakd.proto.ReplicaState;
import org.sakd.proto.StatePart;

/**
 * A replica's state on the wire: {@link TrainerActor.State} as a {@link ReplicaState} message cut
 * into {@link StatePart}s small enough for Artery's ordinary lane (whose frames are 256 KiB by
 * default; a bigger message is dropped with only a log line), and put back together.
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
      for (var e : st.optimizer().entrySet()) {
        NamedFloats.Builder nf = NamedFloats.newBuilder().setName(e.getKey());
        for (float v : e.getValue()) {
          nf.addValues(v);
        }
        b.addOptimizer(nf);
      }
    }
    ByteString all = b.build().toByteString();
    int count = Math.max(1, (all.size() + PART_BYTES - 1) / PART_BYTES);
    List<StatePart> parts = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      int from = i * PART_BYTES;
      int to = Math.min(all.size(), from + PART_BYTES);
      parts.add(
          StatePart.newBuilder()
              .setTransfer(transfer)
              .setIndex(i)
              .setCount(count)
              .setData(all.substring(from, to))
              .build());
    }
    return parts;
  }

  /** Collects the parts of one transfer (in any order); {@link #state()} once complete. */
  static final class Assembly {
    private final StatePart[] parts;
    private int got;

    Assembly(int count) {
      this.parts = new StatePart[count];
    }

    /** Adds a part; true when every part has arrived. */
    boolean add(StatePart p) {
      if (p.getCount() != parts.length || p.getIndex() < 0 || p.getIndex() >= parts.length) {
        throw new IllegalStateException(
            "state part "
                + p.getIndex()
                + "/"
                + p.getCount()
                + " does not belong to a transfer of "
                + parts.length
                + " parts");
      }
      if (parts[p.getIndex()] == null) {
        got++;
      }
      parts[p.getIndex()] = p;
      return got == parts.length;
    }

    TrainerActor.State state() {
      ByteString all = ByteString.EMPTY;
      for (StatePart p : parts) {
        all = all.concat(p.getData());
      }
      ReplicaState rs;
      try {
        rs = ReplicaState.parseFrom(all);
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("a replica state arrived damaged: " + e.getMessage(), e);
      }
      Map<String, float[]> opt = null;
      if (rs.getHasOptimizer()) {
        opt = new LinkedHashMap<>();
        for (NamedFloats nf : rs.getOptimizerList()) {
          float[] v = new float[nf.getValuesCount()];
          for (int i = 0; i < v.length; i++) {
            v[i] = nf.getValues(i);
          }
          opt.put(nf.getName(), v);
        }
      }
      return new TrainerActor.State(
          rs.getStudent().toByteArray(), rs.getExtras().toByteArray(), opt, rs.getChecksum());
    }
  }
}

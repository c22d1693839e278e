package org.sakd.cluster;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.sakd.proto.ChunkCredit;
import org.sakd.proto.GradientChunk;
import org.sakd.proto.RingMembership;
import org.sakd.proto.RingPhase;
import org.sakd.train.GradientAverage;

/**
 * Ring all-reduce of a flat float gradient across trainer JVMs, one actor per JVM.
 *
 * <p>The R members of a ring (rank 0..R-1) each split the n floats into R segments [n·s/R,
 * n·(s+1)/R). Reduce-scatter: rank s sends its part of segment s to rank s+1, which adds its own
 * part (one float addition) and passes the partial sum on, until rank s-1 (mod R), the segment's
 * owner, holds the sum of all R parts. All-gather: the owner sends the sum on around the ring until
 * every member has it. Work moves chunk by chunk (at most {@link #MAX_CHUNK_FLOATS} floats, 1 MiB
 * with the envelope), so a chunk is forwarded as soon as it is added; {@link #reference} computes
 * exactly the same bits in one JVM.
 *
 * <p>Flow control: each member sends only to its right neighbour and keeps at most {@code window}
 * chunks without a {@link ChunkCredit} on that link (credits go to the member's {@link #CREDITS}
 * child, off the large-message lane); the rest wait in this actor as descriptors (no bytes) until
 * credits return, so Artery's outbound queue never holds more than the window. A receiver returns a
 * credit once it has consumed a chunk; chunks of a step it has not started (its caller is slower)
 * wait here without a credit, which stops the sender at its window. The send buffers are a pool of
 * {@code window} arrays reused once their credit returns (the receiver has then read or
 * deserialized the chunk).
 *
 * <p>Protocol. Local: {@link Join} sets the ring, {@link Reduce} asks for one all-reduce and is
 * answered by {@link Reduced}. Contributions come already weighted by the caller ({@link
 * GradientAverage#weigh}: w_i = samples_i / total), so the sum is the sample-weighted average. Wire
 * (Protobuf, between JVMs, on the large-message lane when the actor is named {@link #NAME}): {@link
 * GradientChunk}, {@link ChunkCredit}, and {@link RingMembership} (a {@link Join} sent from another
 * JVM). Proto classes cannot implement {@link Command}, so the actor's behaviour is over {@code
 * Object} and {@link #create} narrows it to {@code Command}: local code holds an {@code
 * ActorRef<Command>}, peers send protos to the same actor through {@code ref.unsafeUpcast()} (a
 * typed ref is untyped underneath), and anything else that arrives is logged with its class.
 *
 * <p>Rings: ring ids grow; a rebuilt ring (after a lost node) gets a larger id. Chunks and credits
 * of an older ring are dropped (debug log); chunks of a newer ring than this member has joined wait
 * (bounded by the sender's window) until its {@link Join} arrives, since the coordinator's Join and
 * a faster peer's first chunk race. A Join of a new ring abandons the step in progress and the
 * Reduces not started (a warning; no reply: the caller times out or asks again with new weights).
 * Steps are answered in the order asked; step ids must grow within a ring.
 */
public final class RingAllReduce extends AbstractBehavior<Object> {

  /** The name to spawn it under: its path is on the large-message lane ({@link ClusterConfig}). */
  public static final String NAME = "ring";

  /** Floats per chunk: 1 KiB below the large lane's 1 MiB frame, room for the envelope. */
  public static final int MAX_CHUNK_FLOATS = (ClusterConfig.MAX_LARGE_FRAME_BYTES - 1024) / 4;

  /**
   * The name of the child that receives this member's credits and hands them to it: {@code <ring
   * path>/credits} is not on the large-message lane, so a credit does not queue behind the 1 MiB
   * chunks going the same way.
   */
  public static final String CREDITS = "credits";

  /** Chunks in flight per link: 4 MiB, enough to keep a loopback or LAN link busy. */
  public static final int DEFAULT_WINDOW = 4;

  /** The local protocol. */
  public sealed interface Command {}

  /**
   * Become member {@code rank} of ring {@code ringId}, whose members are listed by rank ({@code
   * members.get(rank)} is this actor).
   */
  public record Join(long ringId, List<ActorRef<Command>> members, int rank) implements Command {
    public Join {
      members = List.copyOf(members);
      if (ringId < 0) {
        throw new IllegalArgumentException("ring id " + ringId + " is negative");
      }
      if (rank < 0 || rank >= members.size()) {
        throw new IllegalArgumentException(
            "rank " + rank + " is not in 0.." + (members.size() - 1) + " of the ring's members");
      }
    }
  }

  /**
   * All-reduce {@code contribution} (this member's weighted gradient; every member gives the same
   * length) for {@code step}. The array is copied when the step starts: do not change it before the
   * answer. A member whose length differs from its peers' logs an error and its step stays
   * unanswered (as does a step whose ring lost a member): ask with a timeout.
   */
  public record Reduce(long step, float[] contribution, ActorRef<Reduced> replyTo)
      implements Command {
    public Reduce {
      Objects.requireNonNull(contribution, "contribution");
      Objects.requireNonNull(replyTo, "replyTo");
    }
  }

  /** The sum over the ring's members of their contributions to {@code step}. */
  public record Reduced(long step, float[] sum) {}

  /** A chunk waiting for a credit: where its floats are, and its header. */
  private record Outgoing(
      RingPhase phase, int segment, int chunk, int chunks, float[] source, int offset, int len) {}

  private final int chunkFloats;
  private final int window;
  private final ActorRefResolver resolver;

  // the ring
  private long ringId = -1;
  private List<ActorRef<Object>> members = List.of();

  /** Member i's {@link #CREDITS} child: credits to it travel on the ordinary lane. */
  private List<ActorRef<ChunkCredit>> creditRefs = List.of();

  private int rank;

  // the link to the right neighbour
  private int inFlight;
  private final ArrayDeque<Outgoing> outbox = new ArrayDeque<>();
  private final ArrayDeque<byte[]> sent = new ArrayDeque<>();
  private ArrayDeque<byte[]> free = new ArrayDeque<>();

  // steps
  private Reduce current;
  private float[] sum;
  private long finalized;
  private final ArrayDeque<Reduce> waiting = new ArrayDeque<>();
  private final ArrayDeque<GradientChunk> early = new ArrayDeque<>();
  private float[] scratch = new float[0];

  private RingAllReduce(ActorContext<Object> ctx, int chunkFloats, int window) {
    super(ctx);
    this.chunkFloats = chunkFloats;
    this.window = window;
    this.resolver = ActorRefResolver.get(ctx.getSystem());
    ActorRef<Object> self = ctx.getSelf();
    ctx.spawn(
        Behaviors.receive(ChunkCredit.class)
            .onMessage(
                ChunkCredit.class,
                k -> {
                  self.tell(k);
                  return Behaviors.same();
                })
            .build(),
        CREDITS);
  }

  /** A member with 1 MiB chunks and {@link #DEFAULT_WINDOW} chunks in flight. */
  public static Behavior<Command> create() {
    return create(MAX_CHUNK_FLOATS, DEFAULT_WINDOW);
  }

  /**
   * A member sending chunks of {@code chunkFloats} (1..{@link #MAX_CHUNK_FLOATS}) with at most
   * {@code window} (≥ 1) unacknowledged on its link. Members of one ring may differ in both.
   */
  public static Behavior<Command> create(int chunkFloats, int window) {
    if (chunkFloats < 1 || chunkFloats > MAX_CHUNK_FLOATS) {
      throw new IllegalArgumentException(
          "chunkFloats " + chunkFloats + " is not in 1.." + MAX_CHUNK_FLOATS);
    }
    if (window < 1) {
      throw new IllegalArgumentException("window " + window + " must be at least 1");
    }
    return Behaviors.<Object>setup(ctx -> new RingAllReduce(ctx, chunkFloats, window)).narrow();
  }

  /**
   * What a ring of {@code weightedParts.length} members returns, rank i contributing {@code
   * weightedParts[i]}: bit for bit the ring's sum ({@link GradientAverage#ringOrderSum}).
   */
  public static float[] reference(float[][] weightedParts) {
    return GradientAverage.ringOrderSum(weightedParts);
  }

  /** A {@link Join} as the message another JVM sends: members as serialized actor refs. */
  public static RingMembership membership(Join join, ActorRefResolver resolver) {
    RingMembership.Builder b =
        RingMembership.newBuilder().setRingId(join.ringId()).setRank(join.rank());
    for (ActorRef<Command> m : join.members()) {
      b.addMembers(resolver.toSerializationFormat(m));
    }
    return b.build();
  }

  /** The {@link Join} that a {@link RingMembership} describes. */
  public static Join join(RingMembership m, ActorRefResolver resolver) {
    List<ActorRef<Command>> refs = new ArrayList<>();
    for (String s : m.getMembersList()) {
      refs.add(resolver.resolveActorRef(s));
    }
    return new Join(m.getRingId(), refs, m.getRank());
  }

  @Override
  public Receive<Object> createReceive() {
    return newReceiveBuilder()
        .onMessage(Join.class, this::onJoin)
        .onMessage(Reduce.class, this::onReduce)
        .onMessage(RingMembership.class, this::onMembership)
        .onMessage(GradientChunk.class, this::onChunk)
        .onMessage(ChunkCredit.class, this::onCredit)
        .onAnyMessage(this::onUnknown)
        .build();
  }

  private Behavior<Object> onMembership(RingMembership m) {
    Join j;
    try {
      j = join(m, resolver);
    } catch (RuntimeException e) {
      getContext()
          .getLog()
          .error("ring {}: RingMembership {} ignored: {}", ringId, m, e.getMessage());
      return this;
    }
    return onJoin(j);
  }

  private Behavior<Object> onJoin(Join j) {
    if (j.ringId() < ringId) {
      getContext().getLog().debug("ring: Join of old ring {} ignored (in ring {})", j, ringId);
      return this;
    }
    List<ActorRef<Object>> refs = new ArrayList<>();
    for (ActorRef<Command> m : j.members()) {
      refs.add(m.unsafeUpcast());
    }
    if (j.ringId() == ringId) {
      if (!refs.equals(members) || j.rank() != rank) {
        getContext()
            .getLog()
            .warn("ring: a second, different Join for ring {} ignored: {}", ringId, j.members());
      }
      return this;
    }
    if (ringId >= 0) {
      if (current != null) {
        getContext()
            .getLog()
            .warn(
                "ring: step {} abandoned: ring {} replaced by ring {}",
                current.step(),
                ringId,
                j.ringId());
      }
      for (Reduce r : waiting) {
        getContext()
            .getLog()
            .warn(
                "ring: step {} not started: asked of ring {}, now ring {}",
                r.step(),
                ringId,
                j.ringId());
      }
      waiting.clear();
    }
    current = null;
    sum = null;
    ringId = j.ringId();
    members = List.copyOf(refs);
    List<ActorRef<ChunkCredit>> credits = new ArrayList<>();
    for (ActorRef<Object> m : members) {
      // the member's address and path without its uid, one level down
      String path = resolver.toSerializationFormat(m);
      int uid = path.indexOf('#');
      credits.add(
          resolver.resolveActorRef((uid < 0 ? path : path.substring(0, uid)) + "/" + CREDITS));
    }
    creditRefs = List.copyOf(credits);
    rank = j.rank();
    inFlight = 0;
    outbox.clear();
    sent.clear();
    // a fresh pool: an old ring's buffer may still sit in Artery's queue
    free = new ArrayDeque<>();
    early.removeIf(c -> c.getRingId() < ringId);
    if (!members.get(rank).path().equals(getContext().getSelf().path())) {
      getContext()
          .getLog()
          .warn("ring {}: member {} of the Join is {}, not this actor", ringId, rank, j.members());
    }
    startNext();
    return this;
  }

  private Behavior<Object> onReduce(Reduce r) {
    waiting.add(r);
    if (current == null && ringId >= 0) {
      startNext();
    }
    return this;
  }

  /**
   * Starts waiting Reduces until one needs the network (or none is left); the loop answers a
   * single-member ring's steps at once.
   */
  private void startNext() {
    while (current == null && ringId >= 0 && !waiting.isEmpty()) {
      current = waiting.poll();
      sum = current.contribution().clone();
      finalized = 0;
      int r = members.size();
      if (r > 1) {
        int n = sum.length;
        int from = GradientAverage.segmentStart(n, rank, r);
        int to = GradientAverage.segmentStart(n, rank + 1, r);
        enqueue(RingPhase.RING_PHASE_REDUCE_SCATTER, rank, from, to - from);
        for (Iterator<GradientChunk> it = early.iterator(); it.hasNext(); ) {
          GradientChunk c = it.next();
          if (c.getRingId() == ringId && c.getStep() <= current.step()) {
            it.remove();
            if (c.getStep() == current.step()) {
              consume(c);
            } else {
              dropOldStep(c);
            }
          }
        }
        pump();
      } else {
        finalized = sum.length;
      }
      completeIfDone();
    }
  }

  private Behavior<Object> onChunk(GradientChunk c) {
    if (c.getRingId() < ringId) {
      getContext()
          .getLog()
          .debug(
              "ring {}: chunk of old ring {} (step {}) dropped",
              ringId,
              c.getRingId(),
              c.getStep());
    } else if (c.getRingId() > ringId || current == null || c.getStep() > current.step()) {
      early.add(c);
    } else if (c.getStep() < current.step()) {
      dropOldStep(c);
    } else {
      consume(c);
      pump();
      if (completeIfDone()) {
        startNext();
      }
    }
    return this;
  }

  private void dropOldStep(GradientChunk c) {
    getContext().getLog().debug("ring {}: chunk of finished step {} dropped", ringId, c.getStep());
    credit(c);
  }

  /** Adds or stores one chunk of the current step, queues what goes on, returns a credit. */
  private void consume(GradientChunk c) {
    int r = members.size();
    int n = sum.length;
    int s = c.getSegment();
    int len = c.getPayload().size() / 4;
    long off = c.getOffset();
    boolean fits =
        c.getLength() == n
            && s >= 0
            && s < r
            && c.getPayload().size() % 4 == 0
            && off >= GradientAverage.segmentStart(n, s, r)
            && off + len <= GradientAverage.segmentStart(n, s + 1, r);
    if (!fits) {
      getContext()
          .getLog()
          .error(
              "ring {} step {}: chunk {}/{} of segment {} ({} floats at {} of {}) does not fit this"
                  + " member's {} floats in {} segments; dropped",
              ringId,
              c.getStep(),
              c.getChunk(),
              c.getChunks(),
              s,
              len,
              off,
              c.getLength(),
              n,
              r);
      credit(c);
      return;
    }
    int o = (int) off;
    int owner = (s + r - 1) % r;
    FloatBuffer in =
        c.getPayload().asReadOnlyByteBuffer().order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer();
    switch (c.getPhase()) {
      case RING_PHASE_REDUCE_SCATTER -> {
        if (scratch.length < len) {
          scratch = new float[len];
        }
        in.get(scratch, 0, len);
        // the partial sum so far plus this member's part: GradientAverage.ringOrderSum's step
        for (int i = 0; i < len; i++) {
          sum[o + i] = scratch[i] + sum[o + i];
        }
        if (rank == owner) {
          finalized += len;
          outbox.add(
              new Outgoing(
                  RingPhase.RING_PHASE_ALL_GATHER, s, c.getChunk(), c.getChunks(), sum, o, len));
        } else {
          outbox.add(
              new Outgoing(
                  RingPhase.RING_PHASE_REDUCE_SCATTER,
                  s,
                  c.getChunk(),
                  c.getChunks(),
                  sum,
                  o,
                  len));
        }
      }
      case RING_PHASE_ALL_GATHER -> {
        in.get(sum, o, len);
        finalized += len;
        if ((rank + 1) % r != owner) {
          outbox.add(
              new Outgoing(
                  RingPhase.RING_PHASE_ALL_GATHER, s, c.getChunk(), c.getChunks(), sum, o, len));
        }
      }
      default ->
          getContext()
              .getLog()
              .error("ring {}: chunk with phase {} dropped", ringId, c.getPhaseValue());
    }
    credit(c);
  }

  private void credit(GradientChunk c) {
    int from = c.getSenderRank();
    if (from < 0 || from >= members.size()) {
      getContext().getLog().error("ring {}: chunk from unknown rank {}", ringId, from);
      return;
    }
    creditRefs
        .get(from)
        .tell(ChunkCredit.newBuilder().setRingId(ringId).setCredits(1).setFromRank(rank).build());
  }

  private Behavior<Object> onCredit(ChunkCredit k) {
    if (k.getRingId() != ringId) {
      getContext().getLog().debug("ring {}: credit of ring {} dropped", ringId, k.getRingId());
      return this;
    }
    for (int i = 0; i < k.getCredits() && inFlight > 0; i++) {
      inFlight--;
      byte[] b = sent.poll();
      if (b != null && b.length == chunkFloats * 4) {
        free.push(b);
      }
    }
    pump();
    if (completeIfDone()) {
      startNext();
    }
    return this;
  }

  /**
   * Queues the chunks of {@code len} floats of segment {@code s} from {@code offset} of the sum.
   */
  private void enqueue(RingPhase phase, int s, int offset, int len) {
    int chunks = (len + chunkFloats - 1) / chunkFloats;
    for (int k = 0; k < chunks; k++) {
      int from = offset + k * chunkFloats;
      int l = Math.min(chunkFloats, offset + len - from);
      outbox.add(new Outgoing(phase, s, k, chunks, sum, from, l));
    }
  }

  /** Sends queued chunks while the window allows. */
  private void pump() {
    if (outbox.isEmpty()) {
      return;
    }
    ActorRef<Object> right = members.get((rank + 1) % members.size());
    while (inFlight < window && !outbox.isEmpty()) {
      Outgoing o = outbox.poll();
      int bytes = o.len() * 4;
      byte[] b = free.poll();
      if (b == null || b.length < bytes) {
        b = new byte[Math.max(bytes, chunkFloats * 4)];
      }
      ByteBuffer.wrap(b)
          .order(ByteOrder.LITTLE_ENDIAN)
          .asFloatBuffer()
          .put(o.source(), o.offset(), o.len());
      ByteString payload = UnsafeByteOperations.unsafeWrap(b, 0, bytes);
      right.tell(
          GradientChunk.newBuilder()
              .setRingId(ringId)
              .setStep(current.step())
              .setPhase(o.phase())
              .setSegment(o.segment())
              .setChunk(o.chunk())
              .setChunks(o.chunks())
              .setSenderRank(rank)
              .setLength(o.source().length)
              .setOffset(o.offset())
              .setPayload(payload)
              .build());
      sent.add(b);
      inFlight++;
    }
  }

  /**
   * Answers the current step once every float is final and every chunk of it has been encoded
   * (queued chunks read the sum, which then belongs to the caller).
   */
  private boolean completeIfDone() {
    if (current == null || finalized < sum.length || !outbox.isEmpty()) {
      return false;
    }
    current.replyTo().tell(new Reduced(current.step(), sum));
    current = null;
    sum = null;
    return true;
  }

  private Behavior<Object> onUnknown(Object m) {
    getContext()
        .getLog()
        .warn(
            "ring {}: unexpected message of type {} dropped",
            ringId,
            m == null ? "null" : m.getClass().getName());
    return this;
  }
}

package org.sakd.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.stream.StreamRefResolver;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.sakd.data.Sample;
import org.sakd.proto.ClipsOffered;
import org.sakd.proto.DecodeClips;

/**
 * A trainer node's decoding of its shards (train and score passes): through its decoder node when
 * cluster.decoders names one for this trainer and it is up, else with the node's own {@link
 * DecoderActor} pool. A shard goes to the decoder node as one {@link DecodeClips}; its clips come
 * back as a SourceRef of parts, consumed with back-pressure. When the decoder node is lost
 * (unreachable to the failure detector, terminated, its stream failed or stalled, no offer in time,
 * or it refused) exactly the clips of the shard that did not arrive whole are decoded here, so
 * every (sample, seed) of a shard is decoded once and answered once, in the shard's order, as the
 * same bits either way ({@link ClipParts}).
 *
 * <p>Typed on {@code Object} ({@link ClipsOffered} comes from the wire); handed out narrowed to
 * {@link DecodeShard}.
 */
public final class DecoderLink extends AbstractBehavior<Object> {

  /** Decode the training clip of each sample with its seed; answered with one {@link Shard}. */
  public record DecodeShard(List<Sample> samples, List<Long> seeds, ActorRef<Shard> replyTo) {}

  /** The clips of a {@link DecodeShard} in its order, or why they could not be had. */
  public record Shard(List<DecoderActor.Decoded> clips, String failure) {}

  private static final Duration LOCAL_ASK = Duration.ofMinutes(30);
  private static final Duration OFFER_TIMEOUT = Duration.ofSeconds(30);
  // no part for this long on a stream that owes some: the decoder node is treated as lost for it
  private static final Duration STALL = Duration.ofSeconds(60);

  private enum Phase {
    OFFER_AWAITED,
    STREAMING,
    LOCAL
  }

  private static final class Pending {
    final DecodeShard shard;
    Phase phase = Phase.OFFER_AWAITED;
    UniqueKillSwitch stream;

    Pending(DecodeShard shard) {
      this.shard = shard;
    }
  }

  private record Listed(Receptionist.Listing listing) {}

  private record Unreachable(ClusterEvent.UnreachableMember event) {}

  private record OfferTimeout(long request) {}

  private record NoDecoder() {}

  private record StreamEnded(long request, ClipParts.Assembly arrived, Throwable failure) {}

  private record LocalDecoded(
      long request, ClipParts.Assembly arrived, List<DecoderActor.Decoded> local, Throwable e) {}

  private static final class DecoderLostException extends RuntimeException {
    DecoderLostException(String message) {
      super(message, null, false, false);
    }
  }

  private final ActorRef<DecoderActor.Command> local;
  private final org.apache.pekko.actor.typed.receptionist.ServiceKey<Object> key;
  private final String decoderEntry;
  private final String dataIndex;
  private final String run;
  private final TimerScheduler<Object> timers;
  private final ActorRefResolver resolver;
  private final StreamRefResolver refs;
  private final Materializer materializer;
  private final Map<Long, Pending> pending = new HashMap<>();
  private final Set<ActorRef<Object>> gone = new HashSet<>();
  // shards that wait for the decoder node to be listed (it starts with the trainer), in order
  private final List<Long> waiting = new ArrayList<>();
  private final int waitSeconds;
  private boolean awaitingDecoder;
  private ActorRef<Object> decoderNode;
  private long nextRequest;

  private DecoderLink(
      ActorContext<Object> ctx,
      TimerScheduler<Object> timers,
      ActorRef<DecoderActor.Command> local,
      int trainer,
      String decoderEntry,
      String dataIndex,
      String run,
      int waitSeconds) {
    super(ctx);
    this.timers = timers;
    this.waitSeconds = waitSeconds;
    this.local = local;
    this.key = DecoderNode.key(trainer);
    this.decoderEntry = decoderEntry;
    this.dataIndex = dataIndex;
    this.run = run;
    this.resolver = ActorRefResolver.get(ctx.getSystem());
    this.refs = StreamRefResolver.get(ctx.getSystem());
    this.materializer = Materializer.createMaterializer(ctx);
    if (decoderEntry != null) {
      awaitingDecoder = true;
      timers.startSingleTimer(new NoDecoder(), Duration.ofSeconds(waitSeconds));
      ctx.getSystem()
          .receptionist()
          .tell(
              Receptionist.subscribe(
                  key, ctx.messageAdapter(Receptionist.Listing.class, Listed::new)));
      Cluster.get(ctx.getSystem())
          .subscriptions()
          .tell(
              Subscribe.create(
                  ctx.messageAdapter(ClusterEvent.UnreachableMember.class, Unreachable::new),
                  ClusterEvent.UnreachableMember.class));
    }
  }

  /**
   * {@code local}: this node's decoder pool; {@code trainer}: this node's entry of
   * cluster.trainers; {@code decoderEntry}: its entry of cluster.decoders, or null (no decoder
   * node: every shard is decoded by {@code local}); {@code dataIndex} and {@code run}: what the
   * decoder node must agree on ({@code DatasetIndex.fingerprint}, {@link NodeIdentity#runHash});
   * shards wait for the decoder node to be listed for at most {@code waitSeconds} from the start
   * (cluster.join-timeout-seconds, as the coordinator waits for trainers), then are decoded here.
   */
  public static Behavior<Object> create(
      ActorRef<DecoderActor.Command> local,
      int trainer,
      String decoderEntry,
      String dataIndex,
      String run,
      int waitSeconds) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers ->
                    new DecoderLink(
                        ctx, timers, local, trainer, decoderEntry, dataIndex, run, waitSeconds)));
  }

  @Override
  public Receive<Object> createReceive() {
    return newReceiveBuilder()
        .onMessage(DecodeShard.class, this::onDecodeShard)
        .onMessage(Listed.class, this::onListed)
        .onMessage(ClipsOffered.class, this::onClipsOffered)
        .onMessage(OfferTimeout.class, this::onOfferTimeout)
        .onMessage(NoDecoder.class, this::onNoDecoder)
        .onMessage(StreamEnded.class, this::onStreamEnded)
        .onMessage(LocalDecoded.class, this::onLocalDecoded)
        .onMessage(Unreachable.class, this::onUnreachable)
        .onSignal(Terminated.class, this::onTerminated)
        .build();
  }

  private Behavior<Object> onListed(Listed l) {
    if (decoderNode != null) {
      return this;
    }
    for (ActorRef<Object> d : l.listing().getServiceInstances(key)) {
      if (!gone.contains(d)) {
        decoderNode = d;
        getContext().watch(d);
        getContext()
            .getLog()
            .info("decoding with the decoder node at {} ({})", d.path().address(), decoderEntry);
        stopWaiting();
        return this;
      }
    }
    return this;
  }

  private Behavior<Object> onNoDecoder(NoDecoder m) {
    if (awaitingDecoder) {
      getContext()
          .getLog()
          .warn(
              "no decoder node {} within {} s (cluster.join-timeout-seconds); this node decodes its"
                  + " own clips until it comes",
              decoderEntry,
              waitSeconds);
      stopWaiting();
    }
    return this;
  }

  /** The shards that waited for the decoder node go on: to it when it is here, else here. */
  private void stopWaiting() {
    awaitingDecoder = false;
    timers.cancel(NoDecoder.class);
    for (long id : waiting) {
      send(id, pending.get(id));
    }
    waiting.clear();
  }

  private Behavior<Object> onDecodeShard(DecodeShard d) {
    long id = nextRequest++;
    Pending p = new Pending(d);
    pending.put(id, p);
    if (awaitingDecoder) {
      waiting.add(id);
    } else {
      send(id, p);
    }
    return this;
  }

  /** Shard {@code id} to the decoder node, or decoded here without one. */
  private void send(long id, Pending p) {
    DecodeShard d = p.shard;
    if (decoderNode == null) {
      decodeHere(id, p, new ClipParts.Assembly(d.samples().size()));
      return;
    }
    decoderNode.tell(
        DecodeClips.newBuilder()
            .setRequest(id)
            .addAllSamples(d.samples().stream().map(Sample::index).toList())
            .addAllSeeds(d.seeds())
            .setReplyTo(resolver.toSerializationFormat(getContext().getSelf()))
            .setDataIndex(dataIndex)
            .setRun(run)
            .build());
    timers.startSingleTimer(id, new OfferTimeout(id), OFFER_TIMEOUT);
  }

  private Behavior<Object> onClipsOffered(ClipsOffered o) {
    Pending p = pending.get(o.getRequest());
    if (p == null || p.phase != Phase.OFFER_AWAITED) {
      return this; // late: this shard is already decoded here
    }
    timers.cancel(o.getRequest());
    ClipParts.Assembly arrived = new ClipParts.Assembly(p.shard.samples().size());
    if (!o.getRefused().isEmpty()) {
      getContext()
          .getLog()
          .warn("the decoder node {} refused: {}; this node decodes", decoderEntry, o.getRefused());
      decodeHere(o.getRequest(), p, arrived);
      return this;
    }
    SourceRef<org.sakd.proto.DecodedClipPart> ref = refs.resolveSourceRef(o.getSourceRef());
    long id = o.getRequest();
    Pair<UniqueKillSwitch, java.util.concurrent.CompletionStage<org.apache.pekko.Done>> run =
        ref.getSource()
            .idleTimeout(STALL)
            .viaMat(KillSwitches.single(), Keep.right())
            .toMat(Sink.foreach(arrived::add), Keep.both())
            .run(materializer);
    p.phase = Phase.STREAMING;
    p.stream = run.first();
    // the assembly belongs to the stream until it ends; then it travels here in the message
    getContext().pipeToSelf(run.second(), (done, e) -> new StreamEnded(id, arrived, e));
    return this;
  }

  private Behavior<Object> onOfferTimeout(OfferTimeout t) {
    Pending p = pending.get(t.request());
    if (p != null && p.phase == Phase.OFFER_AWAITED) {
      getContext()
          .getLog()
          .warn(
              "the decoder node {} offered no stream within {} s; this node decodes the shard",
              decoderEntry,
              OFFER_TIMEOUT.toSeconds());
      decodeHere(t.request(), p, new ClipParts.Assembly(p.shard.samples().size()));
    }
    return this;
  }

  private Behavior<Object> onStreamEnded(StreamEnded e) {
    Pending p = pending.get(e.request());
    if (p == null || p.phase != Phase.STREAMING) {
      return this;
    }
    int missing = missing(e.arrived(), p.shard.samples().size()).size();
    if (missing == 0) {
      return reply(e.request(), p, e.arrived(), List.of());
    }
    getContext()
        .getLog()
        .warn(
            "the decoder node {} delivered {} of {} clips ({}); this node decodes the {} missing",
            decoderEntry,
            p.shard.samples().size() - missing,
            p.shard.samples().size(),
            e.failure() == null ? "its stream ended early" : e.failure().getMessage(),
            missing);
    decodeHere(e.request(), p, e.arrived());
    return this;
  }

  /** Decodes with the local pool the clips of {@code p} that {@code arrived} does not hold. */
  private void decodeHere(long id, Pending p, ClipParts.Assembly arrived) {
    p.phase = Phase.LOCAL;
    var scheduler = getContext().getSystem().scheduler();
    List<CompletableFuture<DecoderActor.Decoded>> asks = new ArrayList<>();
    for (int at : missing(arrived, p.shard.samples().size())) {
      Sample smp = p.shard.samples().get(at);
      long seed = p.shard.seeds().get(at);
      asks.add(
          AskPattern.<DecoderActor.Command, DecoderActor.Decoded>ask(
                  local, r -> new DecoderActor.Decode(smp, true, seed, r), LOCAL_ASK, scheduler)
              .toCompletableFuture());
    }
    getContext()
        .pipeToSelf(
            CompletableFuture.allOf(asks.toArray(new CompletableFuture[0])),
            (x, e) ->
                new LocalDecoded(
                    id,
                    arrived,
                    e == null ? asks.stream().map(CompletableFuture::join).toList() : null,
                    e));
  }

  private Behavior<Object> onLocalDecoded(LocalDecoded d) {
    Pending p = pending.get(d.request());
    if (p == null) {
      return this;
    }
    if (d.e() != null) {
      pending.remove(d.request());
      p.shard.replyTo().tell(new Shard(null, "decoding failed: " + d.e()));
      return this;
    }
    return reply(d.request(), p, d.arrived(), d.local());
  }

  /** The shard's clips in order: those that arrived, then {@code local} for the missing ones. */
  private Behavior<Object> reply(
      long id, Pending p, ClipParts.Assembly arrived, List<DecoderActor.Decoded> local) {
    pending.remove(id);
    List<DecoderActor.Decoded> clips = new ArrayList<>();
    int next = 0;
    for (int at = 0; at < p.shard.samples().size(); at++) {
      Optional<org.sakd.data.Clip> c = arrived.clip(at);
      if (c == null) {
        clips.add(local.get(next++));
        continue;
      }
      if (c.isEmpty()) {
        getContext()
            .getLog()
            .warn(
                "skipped {}: {} (on the decoder node)",
                p.shard.samples().get(at).id(),
                arrived.failure(at));
      }
      clips.add(new DecoderActor.Decoded(p.shard.samples().get(at), c));
    }
    p.shard.replyTo().tell(new Shard(clips, null));
    return this;
  }

  private static List<Integer> missing(ClipParts.Assembly arrived, int n) {
    List<Integer> out = new ArrayList<>();
    for (int at = 0; at < n; at++) {
      if (arrived.clip(at) == null) {
        out.add(at);
      }
    }
    return out;
  }

  private Behavior<Object> onUnreachable(Unreachable u) {
    if (decoderNode != null && u.event().member().address().equals(decoderNode.path().address())) {
      lost("unreachable to the failure detector");
    }
    return this;
  }

  private Behavior<Object> onTerminated(Terminated t) {
    if (decoderNode != null && t.getRef().equals(decoderNode)) {
      lost("its actor terminated");
    }
    return this;
  }

  /**
   * The decoder node is gone: later shards are decoded here; the streams of shards in flight are
   * cut, and each shard's missing clips are decoded here when its stream has ended.
   */
  private void lost(String why) {
    long inFlight = pending.values().stream().filter(p -> p.phase != Phase.LOCAL).count();
    getContext()
        .getLog()
        .warn(
            "decoder node lost: {} at {} ({}); this node decodes the clips it did not deliver"
                + " ({} shard(s) in flight)",
            decoderEntry,
            decoderNode.path().address(),
            why,
            inFlight);
    getContext().unwatch(decoderNode);
    gone.add(decoderNode);
    decoderNode = null;
    for (var e : pending.entrySet()) {
      Pending p = e.getValue();
      if (p.phase == Phase.STREAMING) {
        p.stream.abort(new DecoderLostException("the decoder node " + decoderEntry + " is lost"));
      } else if (p.phase == Phase.OFFER_AWAITED) {
        timers.cancel(e.getKey());
        decodeHere(e.getKey(), p, new ClipParts.Assembly(p.shard.samples().size()));
      }
    }
  }
}

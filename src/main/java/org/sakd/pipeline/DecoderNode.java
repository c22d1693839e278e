package org.sakd.pipeline;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.SourceRef;
import org.apache.pekko.stream.StreamRefResolver;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.StreamRefs;
import org.sakd.data.Sample;
import org.sakd.proto.ClipsOffered;
import org.sakd.proto.DecodeClips;
import org.sakd.proto.DecodedClipPart;
import org.sakd.train.ClipLoader;

/**
 * A decoder-role node's server (cluster.decoders): registered with the receptionist under {@link
 * #key} of the trainer node it serves, it answers each {@link DecodeClips} with a SourceRef of the
 * clips' {@link DecodedClipPart}s, decoded by this node's pool of {@link DecoderActor}s in the
 * request's order. The stream is demand-driven end to end: the pool decodes at most {@code
 * parallelism} clips ahead of what the trainer has asked for. A request whose data index or run
 * settings differ from this node's is refused with the difference (the trainer then decodes
 * itself).
 *
 * <p>It ends when its trainer node leaves the cluster (the run is over) or when no trainer asked
 * within the join timeout. Typed on {@code Object}: it takes Protobuf from the wire and its own
 * records.
 */
public final class DecoderNode extends AbstractBehavior<Object> {

  /** Where the trainer node at entry {@code trainer} of cluster.trainers finds its decoder node. */
  public static ServiceKey<Object> key(int trainer) {
    return ServiceKey.create(Object.class, "sakd-decoder-" + trainer);
  }

  /** How the node ended: the process's exit code and why. */
  public record Ended(int exitCode, String reason) {}

  private record NoTrainer() {}

  private record MemberEvent(ClusterEvent.MemberEvent event) {}

  private final List<Sample> train;
  private final ClipLoader loader;
  private final ActorRef<DecoderActor.Command> decoders;
  private final int parallelism;
  private final String dataIndex;
  private final String run;
  private final String trainerAddress;
  private final CompletableFuture<Ended> ended;
  private final ActorRefResolver resolver;
  private final StreamRefResolver refs;
  private final Materializer materializer;
  private boolean trainerSeen;
  private boolean trainerLeaving;
  private long clipsServed;

  private DecoderNode(
      ActorContext<Object> ctx,
      List<Sample> train,
      ClipLoader loader,
      ActorRef<DecoderActor.Command> decoders,
      int parallelism,
      String dataIndex,
      String run,
      int trainer,
      String trainerAddress,
      CompletableFuture<Ended> ended) {
    super(ctx);
    this.train = train;
    this.loader = loader;
    this.decoders = decoders;
    this.parallelism = parallelism;
    this.dataIndex = dataIndex;
    this.run = run;
    this.trainerAddress = trainerAddress;
    this.ended = ended;
    this.resolver = ActorRefResolver.get(ctx.getSystem());
    this.refs = StreamRefResolver.get(ctx.getSystem());
    this.materializer = Materializer.createMaterializer(ctx);
    ctx.getSystem().receptionist().tell(Receptionist.register(key(trainer), ctx.getSelf()));
    Cluster.get(ctx.getSystem())
        .subscriptions()
        .tell(
            Subscribe.create(
                ctx.messageAdapter(ClusterEvent.MemberEvent.class, MemberEvent::new),
                ClusterEvent.MemberEvent.class));
  }

  /**
   * {@code train}: the training list requests index into; {@code loader} (also behind {@code
   * decoders}) names the videos that fail; {@code dataIndex} and {@code run}: this node's {@code
   * DatasetIndex.fingerprint} and {@link NodeIdentity#runHash}, which a request must match; {@code
   * trainerAddress}: "host:port" of the trainer node served, whose leaving ends this node, as does
   * none coming within {@code waitSeconds}.
   */
  public static Behavior<Object> create(
      List<Sample> train,
      ClipLoader loader,
      ActorRef<DecoderActor.Command> decoders,
      int parallelism,
      String dataIndex,
      String run,
      int trainer,
      String trainerAddress,
      CompletableFuture<Ended> ended,
      int waitSeconds) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  timers.startSingleTimer(
                      new NoTrainer(), java.time.Duration.ofSeconds(waitSeconds));
                  return new DecoderNode(
                      ctx,
                      train,
                      loader,
                      decoders,
                      parallelism,
                      dataIndex,
                      run,
                      trainer,
                      trainerAddress,
                      ended);
                }));
  }

  @Override
  public Receive<Object> createReceive() {
    return newReceiveBuilder()
        .onMessage(DecodeClips.class, this::onDecodeClips)
        .onMessage(MemberEvent.class, this::onMemberEvent)
        .onMessage(NoTrainer.class, this::onNoTrainer)
        .onSignal(
            org.apache.pekko.actor.typed.PostStop.class,
            s -> {
              // e.g. the split-brain resolver downed this node: its process ends
              ended.complete(new Ended(1, "the decoder node stopped before its trainer left"));
              return this;
            })
        .build();
  }

  private Behavior<Object> onDecodeClips(DecodeClips m) {
    trainerSeen = true;
    ActorRef<Object> replyTo = resolver.resolveActorRef(m.getReplyTo());
    String refused = refusal(m);
    if (refused != null) {
      getContext().getLog().warn("refused request {}: {}", m.getRequest(), refused);
      replyTo.tell(
          ClipsOffered.newBuilder().setRequest(m.getRequest()).setRefused(refused).build());
      return this;
    }
    List<Integer> positions =
        java.util.stream.IntStream.range(0, m.getSamplesCount()).boxed().toList();
    SourceRef<DecodedClipPart> ref =
        Source.from(positions)
            .via(
                PhaseFlows.<Integer, DecoderActor.Command, DecoderActor.Decoded>askKeeping(
                    parallelism,
                    decoders,
                    (at, r) ->
                        new DecoderActor.Decode(
                            train.get(m.getSamples(at)), true, m.getSeeds(at), r)))
            .mapConcat(
                p ->
                    ClipParts.split(
                        p.second(),
                        p.first().clip(),
                        loader.failures().get(p.first().sample().id())))
            .runWith(StreamRefs.sourceRef(), materializer);
    clipsServed += m.getSamplesCount();
    replyTo.tell(
        ClipsOffered.newBuilder()
            .setRequest(m.getRequest())
            .setSourceRef(refs.toSerializationFormat(ref))
            .build());
    return this;
  }

  /**
   * Why this node will not decode {@code m} (its clips would differ from the trainer's), or null.
   */
  private String refusal(DecodeClips m) {
    if (!m.getDataIndex().equals(dataIndex)) {
      return "data index differs: the decoder node has "
          + dataIndex
          + ", the trainer "
          + m.getDataIndex();
    }
    if (!m.getRun().equals(run)) {
      return "run settings differ (clip spec, sampling or seed): the decoder node's hash is "
          + run
          + ", the trainer's "
          + m.getRun();
    }
    if (m.getSamplesCount() != m.getSeedsCount()) {
      return m.getSamplesCount() + " samples but " + m.getSeedsCount() + " seeds";
    }
    for (int s : m.getSamplesList()) {
      if (s < 0 || s >= train.size()) {
        return "sample " + s + " is not in the training list of " + train.size();
      }
    }
    return null;
  }

  private Behavior<Object> onMemberEvent(MemberEvent e) {
    var member = e.event().member();
    String hostPort =
        member.address().getHost().orElse("") + ":" + member.address().getPort().orElse(-1);
    if (!hostPort.equals(trainerAddress)) {
      return this;
    }
    if (e.event() instanceof ClusterEvent.MemberUp) {
      trainerSeen = true;
    } else if (e.event() instanceof ClusterEvent.MemberLeft
        || e.event() instanceof ClusterEvent.MemberExited) {
      // a trainer that ends its run leaves; it may still turn unreachable (and be downed) on its
      // way out when it and the coordinator stop together
      trainerLeaving = true;
    } else if (e.event() instanceof ClusterEvent.MemberRemoved && trainerSeen) {
      boolean left = trainerLeaving;
      ended.complete(
          new Ended(
              left ? 0 : 1,
              "the trainer node at "
                  + trainerAddress
                  + (left ? " left the cluster after " : " was removed from the cluster after ")
                  + clipsServed
                  + " clips asked of this node"));
      return Behaviors.stopped();
    }
    return this;
  }

  private Behavior<Object> onNoTrainer(NoTrainer m) {
    if (trainerSeen) {
      return this;
    }
    ended.complete(
        new Ended(
            1,
            "the trainer node at "
                + trainerAddress
                + " did not come within cluster.join-timeout-seconds; is it running?"));
    return Behaviors.stopped();
  }
}

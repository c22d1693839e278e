package org.sakd.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.sakd.data.Clip;
import org.sakd.data.Sample;
import org.sakd.proto.EpochBegins;
import org.sakd.proto.RunOver;
import org.sakd.proto.ScoreSamples;
import org.sakd.proto.ScoredSamples;
import org.sakd.proto.ScorerLoaded;
import org.sakd.proto.StatePart;
import org.sakd.proto.StateWanted;
import org.sakd.proto.TrainSamples;
import org.sakd.proto.TrainedSamples;
import org.sakd.proto.TrainerHello;
import org.sakd.proto.TrainerWelcome;
import org.sakd.train.NativeHeap;
import org.sakd.train.StudentReplica;

/**
 * One trainer node's replica (a JVM per device: DJL allows one gradient collector per JVM). It
 * finds the coordinator through the receptionist and says hello; once welcomed with a rank, each
 * {@link TrainSamples} is decoded by the node's own decoders and taught by its own teacher, trained
 * (forward, backward), its gradient weighted by its share of the batch and summed with the other
 * nodes' in the ring all-reduce, and the identical SGD step applied on every node. States travel in
 * {@link StatePart}s. {@link RunOver} or the coordinator's loss ends the node with an exit code.
 *
 * <p>It takes Protobuf messages from the wire and its own records, which share no Java type but
 * {@code Object}. It runs on a pinned thread (PyTorch's grad mode is per thread).
 */
public final class TrainerNode extends AbstractBehavior<Object> {

  private static final Duration ASK = Duration.ofMinutes(30);

  /** How the node ended: the process's exit code and why. */
  public record Ended(int exitCode, String reason) {}

  private record Listed(Receptionist.Listing listing) {}

  // a step's stages carry the admission they belong to: a step of a run this node left (its
  // coordinator was lost, or replaced the ring) is dropped when its stage completes
  private record Decoded(long admission, TrainSamples request, List<DecoderActor.Decoded> clips) {}

  private record Taught(
      long admission, TrainSamples request, ClipBatch batch, TeacherOutputs teacher) {}

  private record Reduced(
      long admission, TrainSamples request, double loss, int samples, float[] sum) {}

  private record StepFailed(long admission, TrainSamples request, Throwable cause) {}

  private record NoCoordinator() {}

  private record ScorerReady(long transfer, double checksum) {}

  private record Scored(
      long admission, long request, ScorerActor.Scores scores, Throwable failure) {}

  private final StudentReplica replica;
  private final List<Sample> train;
  private final ActorRef<DecoderLink.DecodeShard> decoders;
  private final ActorRef<TeacherActor.Command> teacher;
  private final ActorRef<InterrupterActor.Command> interrupter;
  private final ActorRef<ScorerActor.Command> scorer;
  private final Map<Long, StateParts.Assembly> scorerAssemblies = new HashMap<>();
  private final GradientRing ring;
  private final TrainerHello hello;
  private final CompletableFuture<Ended> ended;
  private final ActorRefResolver resolver;
  private final Map<Long, StateParts.Assembly> assemblies = new HashMap<>();
  private ActorRef<Object> coordinator; // the roster, then this node's proxy on the coordinator
  private int rank = -1;
  private int ranks;
  private boolean headSet;
  private long admission;
  // one step at a time per node (the run steps with mapAsync(1)): when it began, when it waited
  private long stepStarted;
  private long reduceStarted;
  private List<ActorRef<Object>> listed = List.of();
  private final java.util.Set<ActorRef<Object>> gone = new java.util.HashSet<>();
  private final int waitSeconds;
  private final TimerScheduler<Object> timers;

  /**
   * The all-reduce the node's gradients meet in: {@code join} takes the ring's members and this
   * node's rank, {@code reduce} answers the sum of every node's weighted contribution.
   */
  public interface GradientRing {
    void join(long ringId, List<String> members, int rank);

    java.util.concurrent.CompletionStage<float[]> reduce(long step, float[] contribution);
  }

  private TrainerNode(
      ActorContext<Object> ctx,
      StudentReplica replica,
      List<Sample> train,
      Stages stages,
      ActorRef<DecoderLink.DecodeShard> decoders,
      GradientRing ring,
      TrainerHello hello,
      CompletableFuture<Ended> ended,
      int waitSeconds,
      TimerScheduler<Object> timers) {
    super(ctx);
    this.decoders = decoders;
    this.teacher = stages.teacher();
    this.interrupter = stages.interrupter();
    this.scorer = stages.scorer();
    this.waitSeconds = waitSeconds;
    this.timers = timers;
    this.replica = replica;
    this.train = train;
    this.ring = ring;
    this.ended = ended;
    this.resolver = ActorRefResolver.get(ctx.getSystem());
    this.hello =
        hello.toBuilder()
            .setTrainer(resolver.toSerializationFormat(ctx.getSelf()))
            .setNode(ctx.getSystem().address().toString())
            .build();
    ctx.getSystem()
        .receptionist()
        .tell(
            Receptionist.subscribe(
                TrainerRoster.KEY, ctx.messageAdapter(Receptionist.Listing.class, Listed::new)));
    timers.startSingleTimer(new NoCoordinator(), Duration.ofSeconds(waitSeconds));
  }

  /**
   * The node actor; it owns {@code replica} and closes it when it stops. {@code stages}: the node's
   * interrupter, teacher and scorer (null outside SAKD); {@code decoders}: how it decodes its
   * shards (its {@link DecoderLink}: its decoder node's stream, else its own pool). {@code hello}:
   * this node's identity (model, layout, data index, run, teacher, entry, device, ring), completed
   * with its address and actor here.
   */
  public static Behavior<Object> create(
      StudentReplica replica,
      List<Sample> train,
      Stages stages,
      ActorRef<DecoderLink.DecodeShard> decoders,
      GradientRing ring,
      TrainerHello hello,
      CompletableFuture<Ended> ended,
      int waitSeconds) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers ->
                    new TrainerNode(
                        ctx,
                        replica,
                        train,
                        stages,
                        decoders,
                        ring,
                        hello,
                        ended,
                        waitSeconds,
                        timers)));
  }

  @Override
  public Receive<Object> createReceive() {
    return newReceiveBuilder()
        .onMessage(Listed.class, this::onListed)
        .onMessage(TrainerWelcome.class, this::onWelcome)
        .onMessage(EpochBegins.class, this::onEpochBegins)
        .onMessage(TrainSamples.class, this::onTrainSamples)
        .onMessage(Decoded.class, this::onDecoded)
        .onMessage(Taught.class, this::onTaught)
        .onMessage(Reduced.class, this::onReduced)
        .onMessage(StepFailed.class, this::onStepFailed)
        .onMessage(StateWanted.class, this::onStateWanted)
        .onMessage(StatePart.class, this::onStatePart)
        .onMessage(TeacherActor.Head.class, this::onHead)
        .onMessage(RunOver.class, this::onRunOver)
        .onMessage(NoCoordinator.class, this::onNoCoordinator)
        .onMessage(ScorerReady.class, this::onScorerReady)
        .onMessage(ScoreSamples.class, this::onScoreSamples)
        .onMessage(Scored.class, this::onScored)
        .onSignal(Terminated.class, this::onCoordinatorLost)
        .onSignal(
            PostStop.class,
            s -> {
              replica.close();
              ended.complete(new Ended(1, "the node stopped before the run ended"));
              return this;
            })
        .build();
  }

  private Behavior<Object> onListed(Listed l) {
    listed = List.copyOf(l.listing().getServiceInstances(TrainerRoster.KEY));
    sayHello();
    return this;
  }

  /**
   * Without a coordinator: hello to a listed one that is not known gone (a coordinator's next
   * attempt registers a new one, possibly before this node saw the last one go).
   */
  private void sayHello() {
    if (coordinator != null) {
      return;
    }
    for (ActorRef<Object> c : listed) {
      if (!gone.contains(c)) {
        timers.cancel(NoCoordinator.class);
        coordinator = c;
        getContext().watch(coordinator);
        getContext().getLog().info("found the coordinator at {}", coordinator.path());
        coordinator.tell(hello);
        return;
      }
    }
  }

  private Behavior<Object> onWelcome(TrainerWelcome w) {
    if (w.getRefused()) {
      ended.complete(new Ended(2, "the coordinator refused this node: " + w.getReason()));
      return Behaviors.stopped();
    }
    getContext().unwatch(coordinator);
    coordinator = resolver.resolveActorRef(w.getCoordinator());
    getContext().watch(coordinator);
    rank = w.getRank();
    ranks = w.getMembersCount();
    admission++;
    ring.join(w.getRingId(), w.getMembersList(), rank);
    getContext().getLog().info("joined the run as rank {} of {}", rank, ranks);
    if (teacher != null && !headSet) {
      getContext()
          .pipeToSelf(
              AskPattern.ask(
                  teacher, TeacherActor.GetHead::new, ASK, getContext().getSystem().scheduler()),
              (h, e) -> e != null ? new StepFailed(admission, null, e) : h);
    }
    return this;
  }

  private Behavior<Object> onHead(TeacherActor.Head h) {
    replica.setTeacherHead(h.weight(), h.bias(), h.classes(), h.featureDim());
    if (scorer != null) {
      scorer.tell(new ScorerActor.SetHead(h));
    }
    headSet = true;
    return this;
  }

  private Behavior<Object> onEpochBegins(EpochBegins m) {
    NativeHeap.trim(); // this JVM's C heap, once per epoch (as RunRecorder does on the coordinator)
    replica.onEpochStart(m.getEpoch(), m.getTotalEpochs());
    return this;
  }

  private Behavior<Object> onTrainSamples(TrainSamples m) {
    long a = admission;
    stepStarted = System.nanoTime();
    getContext()
        .pipeToSelf(
            decode(m.getSamplesList(), m.getSeedsList()),
            (clips, e) -> e != null ? new StepFailed(a, m, e) : new Decoded(a, m, clips));
    return this;
  }

  /**
   * The training clip of each sample with its seed, in order, from this node's {@link DecoderLink}
   * (its decoder node, or its own decoders for what that node does not deliver).
   */
  private java.util.concurrent.CompletionStage<List<DecoderActor.Decoded>> decode(
      List<Integer> samples, List<Long> seeds) {
    List<Sample> shard = samples.stream().map(train::get).toList();
    return AskPattern.<DecoderLink.DecodeShard, DecoderLink.Shard>ask(
            decoders,
            r -> new DecoderLink.DecodeShard(shard, seeds, r),
            ASK,
            getContext().getSystem().scheduler())
        .thenApply(
            s -> {
              if (s.failure() != null) {
                throw new IllegalStateException(s.failure());
              }
              return s.clips();
            });
  }

  /** The clips that decoded, in order (a video that failed is skipped, as in one JVM). */
  private static ClipBatch decodedBatch(List<DecoderActor.Decoded> decoded) {
    List<Sample> samples = new ArrayList<>();
    List<Clip> clips = new ArrayList<>();
    for (var c : decoded) {
      if (c.clip().isPresent()) {
        samples.add(c.sample());
        clips.add(c.clip().get());
      }
    }
    return new ClipBatch(samples, clips);
  }

  private Behavior<Object> onDecoded(Decoded d) {
    if (d.admission() != admission) {
      return this;
    }
    ClipBatch batch = decodedBatch(d.clips());
    if (teacher == null || batch.size() == 0) {
      return onTaught(new Taught(admission, d.request(), batch, null));
    }
    getContext()
        .pipeToSelf(
            AskPattern.<TeacherActor.Command, TeacherOutputs>ask(
                teacher,
                r -> new TeacherActor.Infer(batch, d.request().getCacheable(), r),
                ASK,
                getContext().getSystem().scheduler()),
            (t, e) ->
                e != null
                    ? new StepFailed(d.admission(), d.request(), e)
                    : new Taught(d.admission(), d.request(), batch, t));
    return this;
  }

  private Behavior<Object> onTaught(Taught t) {
    if (t.admission() != admission) {
      return this;
    }
    TrainSamples m = t.request();
    ClipBatch b = t.batch();
    try {
      float[] alpha = null;
      if (m.getAlphaCount() > 0) {
        // α of the clips that decoded, in the batch's order
        Map<Integer, Float> byId = new HashMap<>();
        for (int i = 0; i < m.getSamplesCount(); i++) {
          byId.put(m.getSamples(i), m.getAlpha(i));
        }
        alpha = new float[b.size()];
        for (int i = 0; i < alpha.length; i++) {
          alpha[i] = byId.get(b.samples().get(i).index());
        }
      }
      TeacherOutputs o = t.teacher();
      double loss =
          b.size() == 0
              ? Double.NaN
              : replica.backward(
                  b.clips(),
                  b.labels(),
                  o == null
                      ? null
                      : new StudentReplica.TeacherRows(
                          o.logits(), o.classes(), o.features(), o.featureDim()),
                  alpha);
      // this replica's share of the whole batch, weighed as GradientExchange weighs in one JVM
      float[] grad =
          org.sakd.train.GradientAverage.weigh(
              b.size() == 0
                  ? new float[replica.optimizer().size()]
                  : replica.optimizer().exportGradients(),
              b.size(),
              m.getBatch());
      int samples = b.size();
      reduceStarted = System.nanoTime();
      getContext()
          .pipeToSelf(
              ring.reduce(m.getStep(), grad),
              (sum, e) ->
                  e != null
                      ? new StepFailed(t.admission(), m, e)
                      : new Reduced(t.admission(), m, loss, samples, sum));
    } catch (RuntimeException e) {
      return onStepFailed(new StepFailed(admission, m, e));
    }
    return this;
  }

  private Behavior<Object> onReduced(Reduced r) {
    if (r.admission() != admission) {
      return this;
    }
    try {
      replica.optimizer().importGradients(r.sum());
      replica.applyStep(r.request().getLr());
    } catch (RuntimeException e) {
      return onStepFailed(new StepFailed(admission, r.request(), e));
    }
    coordinator.tell(
        TrainedSamples.newBuilder()
            .setStep(r.request().getStep())
            .setRank(rank)
            .setLoss(r.loss())
            .setSamples(r.samples())
            .setStepSeconds((System.nanoTime() - stepStarted) / 1e9)
            .setReduceSeconds((System.nanoTime() - reduceStarted) / 1e9)
            .build());
    return this;
  }

  private Behavior<Object> onStepFailed(StepFailed f) {
    if (f.admission() != admission) {
      return this;
    }
    String why = String.valueOf(f.cause());
    getContext().getLog().error("step failed on this node: {}", why);
    if (f.request() != null && coordinator != null) {
      coordinator.tell(
          TrainedSamples.newBuilder()
              .setStep(f.request().getStep())
              .setRank(rank)
              .setFailure(why)
              .build());
    }
    return this;
  }

  private TrainerActor.State state() {
    return new TrainerActor.State(
        replica.student().parameterBytes(),
        replica.extrasBytes(),
        replica.optimizer().state(),
        replica.student().checksum());
  }

  private Behavior<Object> onStateWanted(StateWanted m) {
    StateParts.split(m.getTransfer(), state()).forEach(coordinator::tell);
    return this;
  }

  /** The parts of a state to take; then this node's own state goes back under the same transfer. */
  private Behavior<Object> onStatePart(StatePart p) {
    if (p.getScorer()) {
      return onScorerPart(p);
    }
    StateParts.Assembly a =
        assemblies.computeIfAbsent(p.getTransfer(), t -> new StateParts.Assembly());
    if (a.add(p)) {
      assemblies.remove(p.getTransfer());
      TrainerActor.State st = a.state();
      replica.loadStudent(st.student());
      replica.loadExtrasBytes(st.extras());
      if (st.optimizer() != null) {
        replica.restoreOptimizer(st.optimizer());
      }
      StateParts.split(p.getTransfer(), state()).forEach(coordinator::tell);
    }
    return this;
  }

  /** Rank 0's student for this node's scorer: loaded, then ScorerLoaded goes back. */
  private Behavior<Object> onScorerPart(StatePart p) {
    StateParts.Assembly a =
        scorerAssemblies.computeIfAbsent(p.getTransfer(), t -> new StateParts.Assembly());
    if (a.add(p)) {
      scorerAssemblies.remove(p.getTransfer());
      TrainerActor.State st = a.state();
      long transfer = p.getTransfer();
      getContext()
          .pipeToSelf(
              AskPattern.<ScorerActor.Command, ScorerActor.Loaded>ask(
                  scorer,
                  r -> new ScorerActor.Load(st, p.getEpoch(), p.getTotalEpochs(), r),
                  ASK,
                  getContext().getSystem().scheduler()),
              (l, e) ->
                  e != null
                      ? new StepFailed(admission, null, e)
                      : new ScorerReady(transfer, l.checksum()));
    }
    return this;
  }

  private Behavior<Object> onScorerReady(ScorerReady r) {
    if (coordinator != null) {
      coordinator.tell(
          ScorerLoaded.newBuilder().setTransfer(r.transfer()).setChecksum(r.checksum()).build());
    }
    return this;
  }

  /**
   * One batch of the scoring pass on this node: decode, interrupt, teach, score (the stages are
   * actors of this node; nothing here touches this actor's state until the scores come back).
   */
  private Behavior<Object> onScoreSamples(ScoreSamples m) {
    long a = admission;
    var scheduler = getContext().getSystem().scheduler();
    java.util.concurrent.CompletionStage<ScorerActor.Scores> scores =
        decode(m.getSamplesList(), m.getSeedsList())
            .thenCompose(
                clips ->
                    AskPattern.<InterrupterActor.Command, ClipBatch>ask(
                        interrupter,
                        r ->
                            new InterrupterActor.Interrupt(
                                decodedBatch(clips),
                                m.getBeta(),
                                m.getEta(),
                                m.getInterruptSeed(),
                                r),
                        ASK,
                        scheduler))
            .thenCompose(
                b ->
                    AskPattern.<TeacherActor.Command, TeacherOutputs>ask(
                            teacher, r -> new TeacherActor.Infer(b, false, r), ASK, scheduler)
                        .thenCompose(
                            t ->
                                AskPattern.<ScorerActor.Command, ScorerActor.Scores>ask(
                                    scorer, r -> new ScorerActor.Score(b, t, r), ASK, scheduler)));
    getContext().pipeToSelf(scores, (sc, e) -> new Scored(a, m.getRequest(), sc, e));
    return this;
  }

  /** A batch's scores back to the coordinator, in parts of at most 128 KiB of features. */
  private Behavior<Object> onScored(Scored s) {
    if (s.admission() != admission || coordinator == null) {
      return this;
    }
    if (s.failure() != null) {
      coordinator.tell(
          ScoredSamples.newBuilder()
              .setRequest(s.request())
              .setPart(0)
              .setParts(1)
              .setFailure(String.valueOf(s.failure()))
              .build());
      return this;
    }
    ScorerActor.Scores sc = s.scores();
    int dim = sc.featureDim();
    int n = sc.ids().length;
    int rows = Math.max(1, (128 * 1024 / 4) / Math.max(1, dim));
    int parts = Math.max(1, (n + rows - 1) / rows);
    for (int p = 0; p < parts; p++) {
      ScoredSamples.Builder b =
          ScoredSamples.newBuilder()
              .setRequest(s.request())
              .setPart(p)
              .setParts(parts)
              .setFeatureDim(dim);
      for (int i = p * rows; i < Math.min(n, (p + 1) * rows); i++) {
        b.addIds(sc.ids()[i]).addKd(sc.kd()[i]);
        for (int j = 0; j < dim; j++) {
          b.addFeatures(sc.features()[i * dim + j]);
        }
      }
      coordinator.tell(b.build());
    }
    return this;
  }

  private Behavior<Object> onRunOver(RunOver m) {
    ended.complete(new Ended(m.getExitCode(), m.getReason()));
    return Behaviors.stopped();
  }

  /**
   * The coordinator is gone: this node leaves its run (later stages of its steps are dropped) and
   * waits for a coordinator to come back (a coordinator that lost another trainer restarts and
   * resumes with the nodes left) for cluster.join-timeout-seconds, then ends.
   */
  private Behavior<Object> onCoordinatorLost(Terminated t) {
    gone.add(t.getRef().unsafeUpcast());
    getContext()
        .getLog()
        .warn(
            "the coordinator at {} is gone; waiting up to {} s for it to come back",
            t.getRef().path().address(),
            waitSeconds);
    coordinator = null;
    rank = -1;
    admission++;
    timers.startSingleTimer(new NoCoordinator(), Duration.ofSeconds(waitSeconds));
    sayHello();
    return this;
  }

  private Behavior<Object> onNoCoordinator(NoCoordinator m) {
    if (coordinator != null) {
      return this;
    }
    ended.complete(
        new Ended(
            1,
            "no coordinator within "
                + waitSeconds
                + " s (cluster.join-timeout-seconds); is it running at cluster.coordinator?"));
    return Behaviors.stopped();
  }
}

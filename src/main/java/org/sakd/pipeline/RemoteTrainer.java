package org.sakd.pipeline;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.sakd.proto.EpochBegins;
import org.sakd.proto.ScoreSamples;
import org.sakd.proto.ScoredSamples;
import org.sakd.proto.ScorerLoaded;
import org.sakd.proto.StatePart;
import org.sakd.proto.StateWanted;
import org.sakd.proto.TrainSamples;
import org.sakd.proto.TrainedSamples;

/**
 * The coordinator's stand-in for one trainer node: it speaks the {@link TrainerActor} protocol to
 * the run (so {@link ReplicaGroup} drives local and remote replicas alike) and Protobuf to the node
 * (proto/node.proto). Steps go as sample indices and clip seeds; states come back and go out in
 * {@link StatePart}s. A node that is lost (its actor terminates, e.g. when the cluster removes it)
 * fails this actor, and so the run, with a line naming the node.
 *
 * <p>Its messages are Protobuf classes from the wire and {@link TrainerActor.Command}s from the
 * run, which share no Java type but {@code Object}; the run sees it narrowed to {@code
 * ActorRef<TrainerActor.Command>}.
 */
public final class RemoteTrainer extends AbstractBehavior<Object> {

  private final ActorRef<Object> node;
  private final int rank;
  private final String name;
  private final Map<Long, ActorRef<TrainerActor.Trained>> steps = new HashMap<>();
  private final Map<Long, ActorRef<TrainerActor.State>> states = new HashMap<>();
  private final Map<Long, StateParts.Assembly> assemblies = new HashMap<>();
  private long nextTransfer = 1;
  private final Map<Long, ActorRef<ScorerActor.Loaded>> scorerLoads = new HashMap<>();
  private final Map<Long, ActorRef<ScorerActor.Scores>> scoring = new HashMap<>();
  private final Map<Long, List<ScoredSamples>> scoredParts = new HashMap<>();
  private final ClusterStats stats;
  private final int statsHandle;

  private RemoteTrainer(
      ActorContext<Object> ctx,
      ActorRef<Object> node,
      int rank,
      String name,
      ClusterStats stats,
      int statsHandle) {
    super(ctx);
    this.stats = stats;
    this.statsHandle = statsHandle;
    this.node = node;
    this.rank = rank;
    this.name = name;
    ctx.watch(node);
    Cluster.get(ctx.getSystem())
        .subscriptions()
        .tell(Subscribe.create(ctx.getSelf().narrow(), ClusterEvent.UnreachableMember.class));
  }

  /**
   * A proxy of the trainer node actor {@code node} at ring rank {@code rank}, named for errors; its
   * steps' seconds go to {@code stats} under {@code statsHandle}.
   */
  public static Behavior<Object> create(
      ActorRef<Object> node, int rank, String name, ClusterStats stats, int statsHandle) {
    return Behaviors.setup(ctx -> new RemoteTrainer(ctx, node, rank, name, stats, statsHandle));
  }

  @Override
  public Receive<Object> createReceive() {
    return newReceiveBuilder()
        .onMessage(TrainerActor.TrainSamples.class, this::onTrainSamples)
        .onMessage(TrainedSamples.class, this::onTrained)
        .onMessage(TrainerActor.EpochStart.class, this::onEpochStart)
        .onMessage(TrainerActor.SetHead.class, m -> this) // the node holds its own teacher
        .onMessage(TrainerActor.GetState.class, this::onGetState)
        .onMessage(TrainerActor.Restore.class, this::onRestore)
        .onMessage(StatePart.class, this::onStatePart)
        .onMessage(TrainerActor.LoadScorer.class, this::onLoadScorer)
        .onMessage(ScorerLoaded.class, this::onScorerLoaded)
        .onMessage(TrainerActor.ScoreSamples.class, this::onScoreSamples)
        .onMessage(ScoredSamples.class, this::onScored)
        .onMessage(TrainerActor.TrainShard.class, m -> unsupported("decoded batches"))
        .onMessage(TrainerActor.Evaluate.class, m -> unsupported("validation"))
        .onMessage(ClusterEvent.UnreachableMember.class, this::onUnreachable)
        .onSignal(Terminated.class, t -> lost("was removed from the cluster"))
        .build();
  }

  /** Loss is noticed when the node turns unreachable, not only once the cluster removes it. */
  private Behavior<Object> onUnreachable(ClusterEvent.UnreachableMember u) {
    if (u.member().address().equals(node.path().address())) {
      return lost("is unreachable");
    }
    return this;
  }

  private Behavior<Object> lost(String how) {
    String hostPort = name.substring(name.indexOf('@') + 1);
    throw new TrainerLostException(
        hostPort, "trainer node " + name + " (rank " + rank + ") " + how);
  }

  private Behavior<Object> unsupported(String what) {
    throw new IllegalStateException(
        "trainer node " + name + " does not take " + what + " (the coordinator keeps them)");
  }

  private Behavior<Object> onTrainSamples(TrainerActor.TrainSamples m) {
    TrainSamples.Builder b =
        TrainSamples.newBuilder()
            .setStep(m.step())
            .setLr(m.lr())
            .setBatch(m.batch())
            .setCacheable(m.cacheable());
    for (int i = 0; i < m.samples().size(); i++) {
      b.addSamples(m.samples().get(i).index()).addSeeds(m.seeds()[i]);
      if (m.alpha() != null) {
        b.addAlpha(m.alpha()[i]);
      }
    }
    steps.put(m.step(), m.replyTo());
    node.tell(b.build());
    return this;
  }

  private Behavior<Object> onTrained(TrainedSamples m) {
    ActorRef<TrainerActor.Trained> to = steps.remove(m.getStep());
    if (!m.getFailure().isEmpty()) {
      throw new IllegalStateException(
          "trainer node " + name + " failed step " + m.getStep() + ": " + m.getFailure());
    }
    if (to == null) {
      throw new IllegalStateException(
          "trainer node " + name + " answered step " + m.getStep() + " that nobody asked for");
    }
    stats.step(statsHandle, m.getStepSeconds(), m.getReduceSeconds());
    to.tell(new TrainerActor.Trained(m.getStep(), rank, m.getLoss(), m.getSamples()));
    return this;
  }

  private Behavior<Object> onEpochStart(TrainerActor.EpochStart m) {
    node.tell(EpochBegins.newBuilder().setEpoch(m.epoch()).setTotalEpochs(m.totalEpochs()).build());
    return this;
  }

  private Behavior<Object> onGetState(TrainerActor.GetState m) {
    long t = nextTransfer++;
    states.put(t, m.replyTo());
    node.tell(StateWanted.newBuilder().setTransfer(t).build());
    return this;
  }

  /** The node takes the state, then answers with its own under the same transfer. */
  private Behavior<Object> onRestore(TrainerActor.Restore m) {
    long t = nextTransfer++;
    states.put(t, m.replyTo());
    StateParts.split(t, m.state()).forEach(node::tell);
    return this;
  }

  /** Rank 0's student for the node's scorer, in parts flagged for it. */
  private Behavior<Object> onLoadScorer(TrainerActor.LoadScorer m) {
    long t = nextTransfer++;
    scorerLoads.put(t, m.replyTo());
    for (StatePart p : StateParts.split(t, m.state())) {
      node.tell(
          p.toBuilder()
              .setScorer(true)
              .setEpoch(m.epoch())
              .setTotalEpochs(m.totalEpochs())
              .build());
    }
    return this;
  }

  private Behavior<Object> onScorerLoaded(ScorerLoaded m) {
    ActorRef<ScorerActor.Loaded> to = scorerLoads.remove(m.getTransfer());
    if (to != null) {
      to.tell(new ScorerActor.Loaded(m.getChecksum()));
    }
    return this;
  }

  private Behavior<Object> onScoreSamples(TrainerActor.ScoreSamples m) {
    long r = nextTransfer++;
    scoring.put(r, m.replyTo());
    ScoreSamples.Builder b =
        ScoreSamples.newBuilder()
            .setRequest(r)
            .setBeta(m.beta())
            .setEta(m.eta())
            .setInterruptSeed(m.interruptSeed());
    for (int i = 0; i < m.samples().size(); i++) {
      b.addSamples(m.samples().get(i).index()).addSeeds(m.seeds()[i]);
    }
    node.tell(b.build());
    return this;
  }

  /** The parts of a batch's scores; when all are in, the scores go to who asked. */
  private Behavior<Object> onScored(ScoredSamples m) {
    if (!m.getFailure().isEmpty()) {
      throw new IllegalStateException(
          "trainer node " + name + " failed to score a batch: " + m.getFailure());
    }
    List<ScoredSamples> parts =
        scoredParts.computeIfAbsent(m.getRequest(), k -> new java.util.ArrayList<>());
    parts.add(m);
    if (parts.size() < m.getParts()) {
      return this;
    }
    scoredParts.remove(m.getRequest());
    parts.sort(java.util.Comparator.comparingInt(ScoredSamples::getPart));
    int n = parts.stream().mapToInt(ScoredSamples::getIdsCount).sum();
    int dim = m.getFeatureDim();
    int[] ids = new int[n];
    double[] kd = new double[n];
    float[] features = new float[n * dim];
    int row = 0;
    for (ScoredSamples p : parts) {
      for (int i = 0; i < p.getIdsCount(); i++, row++) {
        ids[row] = p.getIds(i);
        kd[row] = p.getKd(i);
        for (int j = 0; j < dim; j++) {
          features[row * dim + j] = p.getFeatures(i * dim + j);
        }
      }
    }
    ActorRef<ScorerActor.Scores> to = scoring.remove(m.getRequest());
    if (to == null) {
      throw new IllegalStateException(
          "trainer node " + name + " sent scores nobody asked for (" + m.getRequest() + ")");
    }
    stats.scored(statsHandle, n);
    to.tell(new ScorerActor.Scores(ids, kd, features, dim));
    return this;
  }

  private Behavior<Object> onStatePart(StatePart p) {
    StateParts.Assembly a =
        assemblies.computeIfAbsent(p.getTransfer(), t -> new StateParts.Assembly());
    if (a.add(p)) {
      assemblies.remove(p.getTransfer());
      ActorRef<TrainerActor.State> to = states.remove(p.getTransfer());
      if (to == null) {
        throw new IllegalStateException(
            "trainer node " + name + " sent a state nobody asked for (" + p.getTransfer() + ")");
      }
      to.tell(a.state());
    }
    return this;
  }
}

package org.sakd.pipeline;

import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.sakd.data.Sample;
import org.sakd.train.StudentReplica;

/**
 * One student replica on one device. A training step is two messages: {@link TrainShard} runs
 * forward and backward on this replica's share of the batch and sends the gradient to the {@link
 * GradientExchange}; the {@link GradientExchange.Reduced} mean comes back and every replica applies
 * the same SGD step, then answers. With one replica the exchange is skipped.
 */
public final class TrainerActor extends AbstractBehavior<TrainerActor.Command> {

  public sealed interface Command {}

  public record TrainShard(
      long step,
      ClipBatch shard,
      TeacherOutputs teacher,
      float[] alpha,
      double lr,
      ActorRef<Trained> replyTo)
      implements Command {}

  public record Trained(long step, int replica, double loss, int samples) {}

  /** A trainer node's scorer takes replica 0's state before a scoring pass. */
  public record LoadScorer(
      State state, int epoch, int totalEpochs, ActorRef<ScorerActor.Loaded> replyTo)
      implements Command {}

  /**
   * One batch of the scoring pass, scored on a trainer node (decoded with {@code seeds},
   * interrupted at {@code beta} seeded from {@code interruptSeed}, taught, scored). Only {@link
   * RemoteTrainer} serves it.
   */
  public record ScoreSamples(
      List<Sample> samples,
      long[] seeds,
      double beta,
      double eta,
      long interruptSeed,
      ActorRef<ScorerActor.Scores> replyTo)
      implements Command {}

  /**
   * A step on samples that the trainer decodes and teaches itself (a trainer node of a cluster run:
   * data goes to the compute, not tensors over the network). {@code seeds}: each sample's clip seed
   * this epoch; {@code alpha}: per sample or null; {@code batch}: clips in the whole batch, each
   * replica weights its gradient by its share. Only {@link RemoteTrainer} serves it.
   */
  public record TrainSamples(
      long step,
      List<Sample> samples,
      long[] seeds,
      float[] alpha,
      double lr,
      int batch,
      boolean cacheable,
      ActorRef<Trained> replyTo)
      implements Command {}

  public record EpochStart(int epoch, int totalEpochs) implements Command {}

  public record SetHead(TeacherActor.Head head) implements Command {}

  public record Evaluate(ClipBatch batch, ActorRef<Logits> replyTo) implements Command {}

  public record Logits(int[] labels, float[] logits, int classes) {}

  public record GetState(ActorRef<State> replyTo) implements Command {}

  /** Everything a checkpoint needs from a replica (and what a scorer or another replica loads). */
  public record State(
      byte[] student, byte[] extras, Map<String, float[]> optimizer, double checksum) {}

  public record Restore(State state, ActorRef<State> replyTo) implements Command {}

  private record WrappedReduced(GradientExchange.Reduced reduced) implements Command {}

  private final StudentReplica replica;
  private final int index;
  private final int replicas;
  private final ActorRef<GradientExchange.Command> exchange;
  private final ActorRef<GradientExchange.Reduced> reducedAdapter;
  private TrainShard pending;
  private double pendingLoss;

  private TrainerActor(
      ActorContext<Command> ctx,
      StudentReplica replica,
      int index,
      int replicas,
      ActorRef<GradientExchange.Command> exchange) {
    super(ctx);
    this.replica = replica;
    this.index = index;
    this.replicas = replicas;
    this.exchange = exchange;
    this.reducedAdapter = ctx.messageAdapter(GradientExchange.Reduced.class, WrappedReduced::new);
  }

  /** The actor owns {@code replica} and closes it when it stops. */
  public static Behavior<Command> create(
      StudentReplica replica,
      int index,
      int replicas,
      ActorRef<GradientExchange.Command> exchange) {
    return Behaviors.setup(ctx -> new TrainerActor(ctx, replica, index, replicas, exchange));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(TrainShard.class, this::onTrainShard)
        .onMessage(WrappedReduced.class, this::onReduced)
        .onMessage(
            LoadScorer.class,
            m -> {
              throw new IllegalStateException("replica " + index + " has no scorer of its own");
            })
        .onMessage(
            ScoreSamples.class,
            m -> {
              throw new IllegalStateException("replica " + index + " has no scorer of its own");
            })
        .onMessage(
            TrainSamples.class,
            m -> {
              throw new IllegalStateException(
                  "replica " + index + " trains decoded batches; samples go to trainer nodes");
            })
        .onMessage(EpochStart.class, this::onEpochStart)
        .onMessage(SetHead.class, this::onSetHead)
        .onMessage(Evaluate.class, this::onEvaluate)
        .onMessage(GetState.class, this::onGetState)
        .onMessage(Restore.class, this::onRestore)
        .onSignal(
            PostStop.class,
            s -> {
              replica.close();
              return this;
            })
        .build();
  }

  private Behavior<Command> onTrainShard(TrainShard m) {
    if (pending != null) {
      throw new IllegalStateException(
          "replica "
              + index
              + " got step "
              + m.step()
              + " while step "
              + pending.step()
              + " is still waiting for its gradients");
    }
    TeacherOutputs t = m.teacher();
    double loss =
        replica.backward(
            m.shard().clips(),
            m.shard().labels(),
            t == null
                ? null
                : new StudentReplica.TeacherRows(
                    t.logits(), t.classes(), t.features(), t.featureDim()),
            m.alpha());
    if (replicas == 1) {
      replica.applyStep(m.lr());
      m.replyTo().tell(new Trained(m.step(), index, loss, m.shard().size()));
      return this;
    }
    pending = m;
    pendingLoss = loss;
    float[] grad =
        m.shard().size() == 0
            ? new float[replica.optimizer().size()]
            : replica.optimizer().exportGradients();
    exchange.tell(
        new GradientExchange.Contribute(m.step(), index, grad, m.shard().size(), reducedAdapter));
    return this;
  }

  private Behavior<Command> onReduced(WrappedReduced w) {
    if (pending == null || pending.step() != w.reduced().step()) {
      throw new IllegalStateException(
          "replica "
              + index
              + " got gradients for step "
              + w.reduced().step()
              + " it did not ask for");
    }
    replica.optimizer().importGradients(w.reduced().gradient());
    replica.applyStep(pending.lr());
    pending.replyTo().tell(new Trained(pending.step(), index, pendingLoss, pending.shard().size()));
    pending = null;
    return this;
  }

  private Behavior<Command> onEpochStart(EpochStart m) {
    replica.onEpochStart(m.epoch(), m.totalEpochs());
    return this;
  }

  private Behavior<Command> onSetHead(SetHead m) {
    replica.setTeacherHead(
        m.head().weight(), m.head().bias(), m.head().classes(), m.head().featureDim());
    return this;
  }

  private Behavior<Command> onEvaluate(Evaluate m) {
    float[] logits = m.batch().size() == 0 ? new float[0] : replica.logits(m.batch().clips());
    m.replyTo()
        .tell(new Logits(m.batch().labels(), logits, replica.student().classifier().numClasses()));
    return this;
  }

  private Behavior<Command> onGetState(GetState m) {
    m.replyTo().tell(state());
    return this;
  }

  private State state() {
    return new State(
        replica.student().parameterBytes(),
        replica.extrasBytes(),
        replica.optimizer().state(),
        replica.student().checksum());
  }

  private Behavior<Command> onRestore(Restore m) {
    replica.loadStudent(m.state().student());
    replica.loadExtrasBytes(m.state().extras());
    if (m.state().optimizer() != null) {
      replica.restoreOptimizer(m.state().optimizer());
    }
    m.replyTo().tell(state());
    return this;
  }
}

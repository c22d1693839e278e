package org.sakd.pipeline;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.sakd.train.StudentReplica;

/**
 * Scores distillation difficulty (METHOD.md §2, step 1–2): its own copy of the current student,
 * loaded from replica 0 at the start of each scoring pass, runs in eval mode on the interrupted
 * clips; the method's per-sample KD term against the teacher's outputs on the same clips is the raw
 * score ℓ_i. The selection prior and normalisation happen in the selector, which sees the whole
 * pass.
 */
public final class ScorerActor extends AbstractBehavior<ScorerActor.Command> {

  public sealed interface Command {}

  /** Load the current student (and distiller extras) before a pass. */
  public record Load(TrainerActor.State state, int epoch, int totalEpochs, ActorRef<Loaded> replyTo)
      implements Command {}

  public record Loaded(double checksum) {}

  public record SetHead(TeacherActor.Head head) implements Command {}

  public record Score(ClipBatch interrupted, TeacherOutputs teacher, ActorRef<Scores> replyTo)
      implements Command {}

  /** Raw per-sample KD terms and the teacher's pooled features of the interrupted clips. */
  public record Scores(int[] ids, double[] kd, float[] features, int featureDim) {}

  private final StudentReplica replica;

  private ScorerActor(ActorContext<Command> ctx, StudentReplica replica) {
    super(ctx);
    this.replica = replica;
  }

  /** The actor owns {@code replica} and closes it when it stops. */
  public static Behavior<Command> create(StudentReplica replica) {
    return Behaviors.setup(ctx -> new ScorerActor(ctx, replica));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Load.class, this::onLoad)
        .onMessage(SetHead.class, this::onSetHead)
        .onMessage(Score.class, this::onScore)
        .onSignal(
            PostStop.class,
            s -> {
              replica.close();
              return this;
            })
        .build();
  }

  private Behavior<Command> onLoad(Load m) {
    replica.loadStudent(m.state().student());
    replica.loadExtrasBytes(m.state().extras());
    replica.onEpochStart(m.epoch(), m.totalEpochs());
    m.replyTo().tell(new Loaded(replica.student().checksum()));
    return this;
  }

  private Behavior<Command> onSetHead(SetHead m) {
    replica.setTeacherHead(
        m.head().weight(), m.head().bias(), m.head().classes(), m.head().featureDim());
    return this;
  }

  private Behavior<Command> onScore(Score m) {
    TeacherOutputs t = m.teacher();
    double[] kd =
        m.interrupted().size() == 0
            ? new double[0]
            : replica.kdTerms(
                m.interrupted().clips(),
                m.interrupted().labels(),
                new StudentReplica.TeacherRows(
                    t.logits(), t.classes(), t.features(), t.featureDim()));
    m.replyTo().tell(new Scores(m.interrupted().ids(), kd, t.features(), t.featureDim()));
    return this;
  }
}

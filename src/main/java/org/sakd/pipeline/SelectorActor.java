package org.sakd.pipeline;

import java.util.Arrays;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.sakd.proto.SelectionStateProto;
import org.sakd.sakd.SelectionRound;
import org.sakd.sakd.SelectionState;
import org.sakd.sakd.SubsetSelector;

/**
 * Collects one whole scoring pass (raw KD terms and teacher features by sample), then makes one
 * selection round (METHOD.md §2–5): prior and normalised difficulty d, α update, feature-bank
 * update, the configured selector for budget k, counts. Owns the {@link SelectionState};
 * checkpoints read and restore it through messages.
 */
public final class SelectorActor extends AbstractBehavior<SelectorActor.Command> {

  public sealed interface Command {}

  public record Add(ScorerActor.Scores scores, ActorRef<Done> replyTo) implements Command {}

  public record Select(
      int epoch,
      double beta,
      boolean shufflePhase,
      double ratio,
      long seed,
      ActorRef<Selection> replyTo)
      implements Command {}

  /** One round's outcome: selected ids, α and d for every training sample. */
  public record Selection(
      int epoch, int[] selected, float[] alpha, double[] difficulty, int scored) {}

  public record GetState(ActorRef<SelectionStateProto> replyTo) implements Command {}

  public record Restore(SelectionStateProto state, ActorRef<Done> replyTo) implements Command {}

  private final int samples;
  private final org.sakd.sakd.SelectionPolicy policy;
  private final SubsetSelector selector;
  private SelectionState state;
  private double[] kd;
  private float[] features;
  private boolean[] scored;
  private int dim = -1;

  private SelectorActor(
      ActorContext<Command> ctx,
      int samples,
      org.sakd.sakd.SelectionPolicy policy,
      SubsetSelector selector) {
    super(ctx);
    this.samples = samples;
    this.policy = policy;
    this.selector = selector;
    this.state = new SelectionState(samples);
    resetPass();
  }

  public static Behavior<Command> create(
      int samples, org.sakd.sakd.SelectionPolicy policy, SubsetSelector selector) {
    return Behaviors.setup(ctx -> new SelectorActor(ctx, samples, policy, selector));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Add.class, this::onAdd)
        .onMessage(Select.class, this::onSelect)
        .onMessage(GetState.class, this::onGetState)
        .onMessage(Restore.class, this::onRestore)
        .build();
  }

  private void resetPass() {
    kd = new double[samples];
    scored = new boolean[samples];
    features = null;
  }

  private Behavior<Command> onAdd(Add m) {
    ScorerActor.Scores s = m.scores();
    if (features == null) {
      dim = s.featureDim();
      features = new float[samples * dim];
    }
    for (int j = 0; j < s.ids().length; j++) {
      int id = s.ids()[j];
      kd[id] = s.kd()[j];
      scored[id] = true;
      System.arraycopy(s.features(), j * dim, features, id * dim, dim);
    }
    m.replyTo().tell(Done.getInstance());
    return this;
  }

  private Behavior<Command> onSelect(Select m) {
    int count = 0;
    for (boolean b : scored) {
      count += b ? 1 : 0;
    }
    if (count == 0) {
      throw new IllegalStateException(
          "selection at epoch " + m.epoch() + " without any scored sample");
    }
    // A clip that failed to decode has no score: it gets the lowest raw score, so it is only picked
    // when the budget
    // cannot be filled otherwise (it is then skipped again, and named, by the training pass).
    double min = Double.POSITIVE_INFINITY;
    for (int i = 0; i < samples; i++) {
      if (scored[i]) {
        min = Math.min(min, kd[i]);
      }
    }
    double[] raw = Arrays.copyOf(kd, samples);
    for (int i = 0; i < samples; i++) {
      if (!scored[i]) {
        raw[i] = min;
      }
    }
    SelectionRound round =
        state.applyRound(
            m.epoch(),
            raw,
            features,
            dim,
            m.beta(),
            m.shufflePhase(),
            policy,
            selector,
            m.ratio(),
            new java.util.Random(m.seed()));
    m.replyTo()
        .tell(new Selection(m.epoch(), round.selected(), round.alpha(), round.difficulty(), count));
    resetPass();
    return this;
  }

  private Behavior<Command> onGetState(GetState m) {
    m.replyTo().tell(state.toProto());
    return this;
  }

  private Behavior<Command> onRestore(Restore m) {
    state = SelectionState.fromProto(m.state());
    m.replyTo().tell(Done.getInstance());
    return this;
  }
}

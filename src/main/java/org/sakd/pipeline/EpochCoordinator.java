package org.sakd.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.stream.Materializer;
import org.sakd.config.Settings;
import org.sakd.data.Sample;
import org.sakd.sakd.InterruptionSchedule;
import org.sakd.train.EpochRecord;
import org.sakd.train.LrSchedule;
import org.sakd.train.TopK;

/**
 * The one place that knows the order of a run (DESIGN.md "One SAKD epoch as data flow"): for each
 * epoch it asks the {@link EpochPlan} what to do, then moves through the phases — select (the
 * scoring pass and the selector, or the random control's draw), train, validate, checkpoint — each
 * a future whose result comes back to it as a message ({@code pipeToSelf}). Its state (history,
 * subset, α, the epoch in progress) is read and written only in those message handlers. The phases
 * themselves are {@link PhaseFlows}; the replicas are a {@link ReplicaGroup}; files are a {@link
 * RunRecorder}, called on the blocking dispatcher.
 */
public final class EpochCoordinator extends AbstractBehavior<EpochCoordinator.Command> {

  public sealed interface Command {}

  public record Start(ActorRef<RunResult> replyTo) implements Command {}

  /** The end of a run: every epoch's record, or the failure that stopped it. */
  public record RunResult(List<EpochRecord> epochs, Throwable failure) {
    public EpochRecord last() {
      return epochs.get(epochs.size() - 1);
    }
  }

  /** Ready to train: where a resumed run continues, or null for a fresh start. */
  private record Initialised(RunRecorder.Resume resume) implements Command {}

  /** The epoch's new selection, or null when it keeps the last one (or trains on all). */
  private record Selected(SelectorActor.Selection selection) implements Command {}

  private record Trained(PhaseFlows.Trained result) implements Command {}

  private record Validated(TopK topk) implements Command {}

  /** The epoch is checkpointed; {@code next}: the next epoch's selection when it overlapped. */
  private record Checkpointed(
      EpochRecord record, SelectorActor.Selection next, double nextWaitSeconds)
      implements Command {}

  private record Failed(Throwable error) implements Command {}

  private final RunSpec spec;
  private final Settings s;
  private final InterruptionSchedule schedule;
  private final LrSchedule lr;
  private final PhaseFlows flows;
  private final ReplicaGroup replicas;
  private final RunRecorder recorder;
  private final Executor blocking;
  private final Scheduler scheduler;
  private ActorRef<RunResult> replyTo;
  private final List<EpochRecord> history = new ArrayList<>();
  private int[] subset;
  private float[] alpha;
  // the epoch in progress
  private EpochPlan plan;
  private long phaseStart;
  private double scoreSeconds;
  private double trainSeconds;
  private PhaseFlows.Trained trained;
  private float[] alphaForLoss;
  // sakd.overlap-scoring: the next epoch's selection, scored while this epoch trains (null when
  // none runs), and a selection made that way for the epoch about to begin
  private CompletionStage<SelectorActor.Selection> overlapping;
  private SelectorActor.Selection prefetched;
  // how long the last checkpoint waited for the overlapped selection: the next epoch's score time
  private double prefetchWaitSeconds;

  private EpochCoordinator(ActorContext<Command> ctx, RunSpec spec, Stages stages) {
    super(ctx);
    this.spec = spec;
    this.s = spec.settings();
    this.schedule =
        new InterruptionSchedule(s.sakd().schedule(), s.train().epochs(), s.sakd().eta());
    this.lr = LrSchedule.of(s.train());
    this.scheduler = ctx.getSystem().scheduler();
    // bound to this actor: its streams stop with it (a cluster run that lost a trainer stops the
    // attempt and starts another in the same actor system)
    var mat = Materializer.createMaterializer(ctx);
    this.flows = new PhaseFlows(stages, s, mat, spec.gauge(), scheduler);
    this.replicas = new ReplicaGroup(stages.trainers(), stages.evaluator(), scheduler);
    this.recorder = new RunRecorder(spec);
    this.blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.blocking());
  }

  public static Behavior<Command> create(RunSpec spec, Stages stages) {
    return Behaviors.setup(ctx -> new EpochCoordinator(ctx, spec, stages));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Start.class, this::onStart)
        .onMessage(Initialised.class, this::onInitialised)
        .onMessage(Selected.class, this::onSelected)
        .onMessage(Trained.class, this::onTrained)
        .onMessage(Validated.class, this::onValidated)
        .onMessage(Checkpointed.class, this::onCheckpointed)
        .onMessage(Failed.class, f -> fail(f.error()))
        .build();
  }

  /** Runs {@code phase}; its result (or failure) comes back as a message. */
  private <T> Behavior<Command> await(CompletionStage<T> phase, Function<T, Command> done) {
    getContext().pipeToSelf(phase, (v, e) -> e != null ? new Failed(e) : done.apply(v));
    return this;
  }

  // ---- start: the teacher's head to the students, then a checkpoint's state or replica 0's

  private Behavior<Command> onStart(Start m) {
    replyTo = m.replyTo();
    return await(
        flows.start(replicas, () -> CompletableFuture.supplyAsync(recorder::resumePoint, blocking)),
        Initialised::new);
  }

  private Behavior<Command> onInitialised(Initialised m) {
    if (m.resume() == null) {
      return beginEpoch(0);
    }
    history.addAll(m.resume().history());
    subset = m.resume().subset();
    alpha = m.resume().alpha();
    var sel = m.resume().selection();
    if (s.sakd().overlapScoring() && sel != null && sel.getEpoch() == m.resume().epoch()) {
      // the checkpoint holds the selection its epoch made for this one (overlapped scoring)
      prefetched = new SelectorActor.Selection(m.resume().epoch(), subset, alpha, null, 0);
    }
    return beginEpoch(m.resume().epoch());
  }

  // ---- one epoch: select → train → validate → checkpoint

  private Behavior<Command> beginEpoch(int epoch) {
    if (epoch >= s.train().epochs() || epoch > spec.stopAfterEpoch()) {
      replyTo.tell(new RunResult(List.copyOf(history), null));
      return Behaviors.stopped();
    }
    plan = EpochPlan.of(s, epoch, subset != null);
    phaseStart = System.nanoTime();
    replicas.epochStart(epoch, s.train().epochs());
    if (plan.scores() && prefetched != null && prefetched.epoch() == epoch) {
      SelectorActor.Selection sel = prefetched;
      prefetched = null;
      phaseStart = System.nanoTime() - (long) (prefetchWaitSeconds * 1e9);
      prefetchWaitSeconds = 0;
      return onSelected(new Selected(sel));
    }
    if (plan.scores()) {
      return await(
          flows.select(
              plan, schedule.beta(epoch), schedule.isShuffle(epoch), spec.train(), replicas),
          Selected::new);
    }
    int[] drawn = plan.selects() ? plan.randomSubset(spec.train().size(), s.sakd().ratio()) : null;
    return onSelected(
        new Selected(
            drawn == null ? null : new SelectorActor.Selection(epoch, drawn, null, null, 0)));
  }

  private Behavior<Command> onSelected(Selected m) {
    SelectorActor.Selection sel = m.selection();
    scoreSeconds = (System.nanoTime() - phaseStart) / 1e9;
    if (sel != null) {
      subset = sel.selected();
      alpha = sel.alpha() != null ? sel.alpha() : alpha;
    }
    alphaForLoss = plan.sakdLoss() ? alpha : null;
    List<Sample> order = plan.order(spec.train(), subset);
    int epoch = plan.epoch();
    int batches = Math.max(1, (order.size() + s.train().batchSize() - 1) / s.train().batchSize());
    // an overlapped selection was written when it was made
    CompletionStage<Void> written =
        sel != null && sel.alpha() != null && sel.difficulty() != null
            ? CompletableFuture.runAsync(() -> recorder.selection(epoch, sel), blocking)
            : CompletableFuture.completedFuture(null);
    EpochPlan p = plan;
    float[] a = alphaForLoss;
    phaseStart = System.nanoTime();
    overlapping = overlapNextSelection(epoch);
    return await(
        written.thenCompose(
            x ->
                flows.train(
                    p,
                    order,
                    a,
                    i -> lr.lr(epoch + (double) i / batches),
                    replicas,
                    s.train().epochs())),
        Trained::new);
  }

  /**
   * sakd.overlap-scoring (a deviation from the paper, for speed): when the next epoch selects, its
   * scoring pass and DPP run now, beside this epoch's training, with replica 0's state as this
   * epoch starts (asked before the first training step is sent, so one epoch stale). Its selection
   * file is written when it is made. Null when nothing overlaps.
   */
  private CompletionStage<SelectorActor.Selection> overlapNextSelection(int epoch) {
    int next = epoch + 1;
    if (!s.sakd().overlapScoring()
        || next >= s.train().epochs()
        || !EpochPlan.of(s, next, true).scores()) {
      return null;
    }
    EpochPlan nextPlan = EpochPlan.of(s, next, true);
    double beta = schedule.beta(next);
    boolean shuffle = schedule.isShuffle(next);
    return replicas
        .state()
        .thenCompose(st -> flows.selectWith(st, nextPlan, beta, shuffle, spec.train(), replicas))
        .thenCompose(
            sel ->
                CompletableFuture.runAsync(() -> recorder.selection(next, sel), blocking)
                    // written: the epoch that trains on it does not write it again
                    .thenApply(
                        x ->
                            new SelectorActor.Selection(
                                sel.epoch(), sel.selected(), sel.alpha(), null, sel.scored())));
  }

  private Behavior<Command> onTrained(Trained m) {
    trained = m.result();
    trainSeconds = (System.nanoTime() - phaseStart) / 1e9;
    phaseStart = System.nanoTime();
    return await(
        flows.validate(plan.epoch(), spec.test(), spec.classes(), replicas), Validated::new);
  }

  private Behavior<Command> onValidated(Validated m) {
    double validateSeconds = (System.nanoTime() - phaseStart) / 1e9;
    EpochRecord rec =
        new EpochRecord(
            plan.epoch(),
            plan.selects(),
            trained.clips(),
            trained.loss(),
            m.topk().top1(),
            m.topk().top5(),
            scoreSeconds,
            trainSeconds,
            validateSeconds,
            EpochPlan.meanAlpha(subset, alphaForLoss));
    List<EpochRecord> all = new ArrayList<>(history);
    all.add(rec);
    // an overlapped selection ends before the checkpoint, which then holds the next epoch's
    // selection (a resume uses it instead of scoring again)
    CompletionStage<SelectorActor.Selection> next =
        overlapping == null ? CompletableFuture.completedFuture(null) : overlapping;
    overlapping = null;
    int[] sub = subset;
    float[] al = alpha;
    long waitFrom = System.nanoTime();
    return await(
        next.thenApply(
                nextSel ->
                    new Checkpointed(
                        rec, nextSel, nextSel == null ? 0 : (System.nanoTime() - waitFrom) / 1e9))
            .thenCompose(
                done ->
                    replicas
                        .agreedState(rec.epoch())
                        .thenCombine(
                            flows.selectionState(sub, al),
                            (st, sel) -> (Runnable) () -> recorder.checkpoint(rec, all, st, sel))
                        .thenCompose(save -> CompletableFuture.runAsync(save, blocking))
                        .thenRunAsync(() -> recorder.report(rec), blocking)
                        .thenApply(x -> done)),
        c -> c);
  }

  private Behavior<Command> onCheckpointed(Checkpointed m) {
    history.add(m.record());
    if (m.next() != null) {
      prefetched = m.next();
      prefetchWaitSeconds = m.nextWaitSeconds();
    }
    return beginEpoch(m.record().epoch() + 1);
  }

  private Behavior<Command> fail(Throwable t) {
    Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    recorder.failed(cause);
    replyTo.tell(new RunResult(List.copyOf(history), cause));
    return Behaviors.stopped();
  }
}

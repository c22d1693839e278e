package org.sakd.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.japi.function.Function;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.sakd.checkpoint.CheckpointStore;
import org.sakd.checkpoint.Checkpoints;
import org.sakd.config.Settings;
import org.sakd.data.Sample;
import org.sakd.monitor.Progress;
import org.sakd.monitor.RunLog;
import org.sakd.proto.CheckpointProto;
import org.sakd.proto.SelectionStateProto;
import org.sakd.sakd.InterruptionSchedule;
import org.sakd.train.ClipLoader;
import org.sakd.train.EpochRecord;
import org.sakd.train.LrSchedule;
import org.sakd.train.TopK;

/**
 * The one place that knows the schedule (DESIGN.md "One SAKD epoch as data flow"): for each epoch
 * it decides whether this is a selection epoch, runs the scoring pass (decode → interrupt → teacher
 * → scorer → selector) as a back-pressured stream, selects, trains on the subset (decode → batch →
 * teacher (cached) → trainer replicas), validates, checks that replicas agree and writes an atomic
 * checkpoint. Modes: {@code sakd} (scores, DPP, α), {@code random} (a uniform subset of the same
 * budget, the method's own loss) and {@code vanilla} (all data).
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

  /** Where the run's inputs and outputs are. */
  public record Spec(
      Settings settings,
      List<Sample> train,
      List<Sample> test,
      RunLog log,
      CheckpointStore store,
      boolean resume,
      PipelineGauge gauge,
      String studentName,
      int stopAfterEpoch,
      int classes) {}

  /** The stage actors this coordinator drives. */
  public record Stages(
      ActorRef<DecoderActor.Command> decoders,
      ActorRef<InterrupterActor.Command> interrupter,
      ActorRef<TeacherActor.Command> teacher,
      ActorRef<ScorerActor.Command> scorer,
      ActorRef<SelectorActor.Command> selector,
      List<ActorRef<TrainerActor.Command>> trainers) {}

  private record Ready(
      int startEpoch, List<EpochRecord> history, int[] subset, float[] alpha, Throwable error)
      implements Command {}

  private record EpochDone(EpochRecord record, int[] subset, float[] alpha, Throwable error)
      implements Command {}

  private static final Duration ASK = Duration.ofMinutes(30);
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(EpochCoordinator.class);

  private final Spec spec;
  private final Stages stages;
  private final Settings s;
  private final Materializer mat;
  private final Scheduler scheduler;
  private final InterruptionSchedule schedule;
  private final LrSchedule lr;
  private final int decodeParallelism;
  private ActorRef<RunResult> replyTo;
  private final List<EpochRecord> history = new ArrayList<>();
  private int[] subset;
  private float[] alpha;

  /**
   * Training step ids for the gradient exchange; advanced by the training stream, not the actor's
   * thread.
   */
  private final java.util.concurrent.atomic.AtomicLong step =
      new java.util.concurrent.atomic.AtomicLong();

  private EpochCoordinator(ActorContext<Command> ctx, Spec spec, Stages stages) {
    super(ctx);
    this.spec = spec;
    this.stages = stages;
    this.s = spec.settings();
    this.mat = Materializer.createMaterializer(ctx.getSystem());
    this.scheduler = ctx.getSystem().scheduler();
    this.schedule =
        new InterruptionSchedule(s.sakd().schedule(), s.train().epochs(), s.sakd().eta());
    this.lr = LrSchedule.of(s.train());
    this.decodeParallelism = 2 * s.data().decoders();
  }

  public static Behavior<Command> create(Spec spec, Stages stages) {
    return Behaviors.setup(ctx -> new EpochCoordinator(ctx, spec, stages));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Start.class, this::onStart)
        .onMessage(Ready.class, this::onReady)
        .onMessage(EpochDone.class, this::onEpochDone)
        .build();
  }

  private <Q, A> CompletionStage<A> ask(RecipientRef<Q> to, Function<ActorRef<A>, Q> msg) {
    return AskPattern.ask(to, msg::apply, ASK, scheduler);
  }

  private String mode() {
    return s.distill().mode().configName();
  }

  // ---- start / resume
  // ------------------------------------------------------------------------------------

  private Behavior<Command> onStart(Start m) {
    replyTo = m.replyTo();
    getContext()
        .pipeToSelf(
            initialise(),
            (ready, err) -> err != null ? new Ready(0, List.of(), null, null, err) : ready);
    return this;
  }

  private CompletionStage<Ready> initialise() {
    CompletionStage<TeacherActor.Head> head = ask(stages.teacher(), TeacherActor.GetHead::new);
    return head.thenCompose(
        h -> {
          for (var t : stages.trainers()) {
            t.tell(new TrainerActor.SetHead(h));
          }
          if (stages.scorer() != null) {
            stages.scorer().tell(new ScorerActor.SetHead(h));
          }
          CheckpointProto last =
              spec.resume() ? spec.store().load(CheckpointStore.LAST).orElse(null) : null;
          if (last == null) {
            // Replicas start identical: replica 0's initial parameters go to all others.
            return ask(stages.trainers().get(0), TrainerActor.GetState::new)
                .thenCompose(st -> broadcast(st))
                .thenApply(x -> new Ready(0, List.of(), null, null, null));
          }
          TrainerActor.State st =
              new TrainerActor.State(
                  last.getParameters().toByteArray(),
                  last.getExtras().toByteArray(),
                  Checkpoints.tensors(last.getOptimizerList()),
                  Double.NaN);
          CompletionStage<?> sel =
              stages.selector() != null && last.hasSelection()
                  ? ask(
                      stages.selector(),
                      (ActorRef<Done> r) -> new SelectorActor.Restore(last.getSelection(), r))
                  : CompletableFuture.completedFuture(Done.getInstance());
          List<EpochRecord> hist = Checkpoints.history(last);
          int[] sub =
              last.hasSelection() && last.getSelection().getSubsetCount() > 0
                  ? last.getSelection().getSubsetList().stream()
                      .mapToInt(Integer::intValue)
                      .toArray()
                  : null;
          float[] al =
              last.hasSelection() && last.getSelection().getAlphaCount() > 0
                  ? Checkpoints.floats(last.getSelection().getAlphaList())
                  : null;
          spec.log().event("resume", Map.of("after_epoch", last.getEpoch()));
          return broadcast(st)
              .thenCompose(x -> sel)
              .thenApply(x -> new Ready(last.getEpoch() + 1, hist, sub, al, null));
        });
  }

  private CompletionStage<Done> broadcast(TrainerActor.State st) {
    List<CompletableFuture<TrainerActor.State>> all = new ArrayList<>();
    for (var t : stages.trainers()) {
      all.add(
          ask(t, (ActorRef<TrainerActor.State> r) -> new TrainerActor.Restore(st, r))
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(all.toArray(new CompletableFuture[0]))
        .thenApply(x -> Done.getInstance());
  }

  private Behavior<Command> onReady(Ready r) {
    if (r.error() != null) {
      return fail(r.error());
    }
    history.addAll(r.history());
    subset = r.subset();
    alpha = r.alpha();
    return next(r.startEpoch());
  }

  private Behavior<Command> next(int epoch) {
    if (epoch >= s.train().epochs() || epoch > spec.stopAfterEpoch()) {
      replyTo.tell(new RunResult(List.copyOf(history), null));
      return Behaviors.stopped();
    }
    getContext()
        .pipeToSelf(
            runEpoch(epoch),
            (done, err) -> err != null ? new EpochDone(null, null, null, err) : done);
    return this;
  }

  private Behavior<Command> onEpochDone(EpochDone d) {
    if (d.error() != null) {
      return fail(d.error());
    }
    history.add(d.record());
    subset = d.subset();
    alpha = d.alpha();
    return next(d.record().epoch() + 1);
  }

  private Behavior<Command> fail(Throwable t) {
    Throwable cause =
        t instanceof java.util.concurrent.CompletionException && t.getCause() != null
            ? t.getCause()
            : t;
    LOG.error("run failed: {}", cause.toString());
    spec.log().event("failed", Map.of("error", cause.toString()));
    replyTo.tell(new RunResult(List.copyOf(history), cause));
    return Behaviors.stopped();
  }

  // ---- one epoch
  // -----------------------------------------------------------------------------------------

  private boolean selectionEpoch(int epoch) {
    return !mode().equals("vanilla")
        && !annealing(epoch)
        && (epoch % s.sakd().interval() == 0 || subset == null);
  }

  /**
   * sakd.anneal-epochs (beyond the paper, after InfoBatch's annealing): the last N epochs of a
   * subset run train on the full set with the base method's own loss and skip scoring.
   */
  private boolean annealing(int epoch) {
    return !mode().equals("vanilla") && epoch >= s.train().epochs() - s.sakd().annealEpochs();
  }

  private CompletionStage<EpochDone> runEpoch(int epoch) {
    long t0 = System.nanoTime();
    for (var t : stages.trainers()) {
      t.tell(new TrainerActor.EpochStart(epoch, s.train().epochs()));
    }
    boolean selecting = selectionEpoch(epoch);
    int n = spec.train().size();
    int budget = org.sakd.sakd.Selectors.budget(s.sakd().ratio(), n);
    CompletionStage<SelectorActor.Selection> selection;
    if (!selecting) {
      selection = CompletableFuture.completedFuture(null);
    } else if (mode().equals("random")) {
      int[] pick = randomSubset(n, budget, new Random(seed(epoch, 11)));
      selection =
          CompletableFuture.completedFuture(
              new SelectorActor.Selection(epoch, pick, null, null, 0));
    } else {
      selection =
          scoringPass(epoch)
              .thenCompose(
                  x ->
                      ask(
                          stages.selector(),
                          (ActorRef<SelectorActor.Selection> r) ->
                              new SelectorActor.Select(
                                  epoch,
                                  schedule.beta(epoch),
                                  schedule.isShuffle(epoch),
                                  s.sakd().ratio(),
                                  seed(epoch, 13),
                                  r)));
    }
    return selection.thenCompose(
        sel -> {
          double scoreSeconds = (System.nanoTime() - t0) / 1e9;
          int[] sub = sel != null ? sel.selected() : subset;
          float[] al = sel != null && sel.alpha() != null ? sel.alpha() : alpha;
          if (sel != null && sel.alpha() != null) {
            writeSelection(epoch, sel);
          }
          List<Sample> order = new ArrayList<>();
          if (mode().equals("vanilla") || annealing(epoch)) {
            order.addAll(spec.train());
          } else {
            for (int id : sub) {
              order.add(spec.train().get(id));
            }
          }
          Collections.shuffle(order, new Random(seed(epoch, 17)));
          long t1 = System.nanoTime();
          float[] alphaForLoss = mode().equals("sakd") && !annealing(epoch) ? al : null;
          return trainingPass(epoch, order, alphaForLoss)
              .thenCompose(
                  trained -> {
                    double loss = trained[0];
                    int trainedClips = (int) trained[1];
                    double trainSeconds = (System.nanoTime() - t1) / 1e9;
                    long t2 = System.nanoTime();
                    return validationPass()
                        .thenCompose(
                            topk -> {
                              double validateSeconds = (System.nanoTime() - t2) / 1e9;
                              double meanAlpha = meanAlpha(sub, alphaForLoss);
                              EpochRecord rec =
                                  new EpochRecord(
                                      epoch,
                                      selecting,
                                      trainedClips,
                                      loss,
                                      topk.top1(),
                                      topk.top5(),
                                      scoreSeconds,
                                      trainSeconds,
                                      validateSeconds,
                                      meanAlpha);
                              return checkpoint(rec, sub, al)
                                  .thenApply(
                                      x -> {
                                        report(rec);
                                        return new EpochDone(rec, sub, al, null);
                                      });
                            });
                  });
        });
  }

  /** A uniform subset of size k (the "random" baseline at SAKD's budget). */
  static int[] randomSubset(int n, int k, Random rng) {
    List<Integer> ids = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      ids.add(i);
    }
    Collections.shuffle(ids, rng);
    int[] out = ids.subList(0, Math.min(k, n)).stream().mapToInt(Integer::intValue).toArray();
    Arrays.sort(out);
    return out;
  }

  private long seed(int epoch, int salt) {
    return ClipLoader.clipSeed(s.run().seed(), epoch, -salt);
  }

  private static double meanAlpha(int[] sub, float[] al) {
    if (al == null || sub == null || sub.length == 0) {
      return Double.NaN;
    }
    double sum = 0;
    for (int id : sub) {
      sum += al[id];
    }
    return sum / sub.length;
  }

  /**
   * Decode → interrupt → teacher → scorer → selector, for the whole training set, back-pressured
   * end to end.
   */
  private CompletionStage<Done> scoringPass(int epoch) {
    double beta = schedule.beta(epoch);
    double eta = s.sakd().eta();
    int b = s.sakd().scoreBatchSize();
    Progress bar =
        new Progress("score " + (epoch + 1) + "/" + s.train().epochs(), spec.train().size());
    return ask(stages.trainers().get(0), TrainerActor.GetState::new)
        .thenCompose(
            st ->
                ask(
                    stages.scorer(),
                    (ActorRef<ScorerActor.Loaded> r) ->
                        new ScorerActor.Load(st, epoch, s.train().epochs(), r)))
        .thenCompose(
            loaded ->
                Source.from(spec.train())
                    .mapAsync(
                        decodeParallelism,
                        smp ->
                            this.<DecoderActor.Command, DecoderActor.Decoded>ask(
                                stages.decoders(),
                                r ->
                                    new DecoderActor.Decode(
                                        smp, true, trainClipSeed(epoch, smp), r)))
                    .filter(d -> d.clip().isPresent())
                    .grouped(b)
                    .map(EpochCoordinator::batchOf)
                    .mapAsync(
                        1,
                        batch ->
                            this.<InterrupterActor.Command, ClipBatch>ask(
                                stages.interrupter(),
                                r ->
                                    new InterrupterActor.Interrupt(
                                        batch, beta, eta, seed(epoch, 19), r)))
                    .mapAsync(
                        1,
                        batch ->
                            this.<TeacherActor.Command, TeacherOutputs>ask(
                                    stages.teacher(), r -> new TeacherActor.Infer(batch, false, r))
                                .thenApply(t -> new Object[] {batch, t}))
                    .mapAsync(
                        1,
                        p ->
                            this.<ScorerActor.Command, ScorerActor.Scores>ask(
                                stages.scorer(),
                                r ->
                                    new ScorerActor.Score(
                                        (ClipBatch) p[0], (TeacherOutputs) p[1], r)))
                    .mapAsync(
                        1,
                        sc ->
                            this.<SelectorActor.Command, Done>ask(
                                    stages.selector(), r -> new SelectorActor.Add(sc, r))
                                .thenApply(x -> sc.ids().length))
                    .runWith(Sink.foreach(k -> bar.step(k, Double.NaN)), mat))
        .whenComplete((x, e) -> bar.close());
  }

  private boolean fixedSampling() {
    return s.data().trainSampling() == org.sakd.data.Sampling.FIXED;
  }

  private long trainClipSeed(int epoch, Sample smp) {
    return ClipLoader.clipSeed(s.run().seed(), fixedSampling() ? 0 : epoch + 1, smp.index());
  }

  private static ClipBatch batchOf(List<DecoderActor.Decoded> ds) {
    List<Sample> samples = new ArrayList<>(ds.size());
    List<org.sakd.data.Clip> clips = new ArrayList<>(ds.size());
    for (var d : ds) {
      samples.add(d.sample());
      clips.add(d.clip().get());
    }
    return new ClipBatch(samples, clips);
  }

  /**
   * Decode → buffer → batch → teacher (cached) → trainer replicas; returns {mean training loss,
   * clips trained on} (clips that failed to decode are not trained on; the loader names them).
   */
  private CompletionStage<double[]> trainingPass(int epoch, List<Sample> order, float[] alphaAll) {
    int b = s.train().batchSize();
    int batches = (order.size() + b - 1) / b;
    int[] counter = {0};
    PipelineGauge gauge = spec.gauge();
    Progress bar = new Progress("train " + (epoch + 1) + "/" + s.train().epochs(), order.size());
    return Source.from(order)
        .mapAsync(
            decodeParallelism,
            smp ->
                this.<DecoderActor.Command, DecoderActor.Decoded>ask(
                        stages.decoders(),
                        r -> new DecoderActor.Decode(smp, true, trainClipSeed(epoch, smp), r))
                    .thenApply(
                        d -> {
                          if (d.clip().isPresent()) {
                            gauge.decoded(1);
                          }
                          return d;
                        }))
        .filter(d -> d.clip().isPresent())
        .buffer(s.pipeline().buffer(), OverflowStrategy.backpressure())
        .grouped(b)
        .map(EpochCoordinator::batchOf)
        .via(noSingletonBatches())
        .mapAsync(
            1,
            batch ->
                this.<TeacherActor.Command, TeacherOutputs>ask(
                        stages.teacher(), r -> new TeacherActor.Infer(batch, fixedSampling(), r))
                    .thenApply(t -> new Object[] {batch, t}))
        // one batch of slack, so the teacher starts the next batch while the trainer has not pulled
        // the last one
        .buffer(1, OverflowStrategy.backpressure())
        .mapAsync(
            1,
            p -> {
              ClipBatch batch = (ClipBatch) p[0];
              double rate = lr.lr(epoch + (double) (counter[0]++) / Math.max(1, batches));
              return trainStep(batch, (TeacherOutputs) p[1], alphaAll, rate)
                  .thenApply(
                      loss -> {
                        gauge.consumed(batch.size());
                        bar.step(batch.size(), loss);
                        return new double[] {loss * batch.size(), batch.size()};
                      });
            })
        .runWith(
            Sink.fold(new double[2], (acc, x) -> new double[] {acc[0] + x[0], acc[1] + x[1]}), mat)
        .thenApply(acc -> new double[] {acc[1] == 0 ? Double.NaN : acc[0] / acc[1], acc[1]})
        .whenComplete((x, e) -> bar.close());
  }

  /**
   * Batch norm cannot train on one clip, and the last group of an epoch can hold one (N mod B = 1,
   * or a clip that failed to decode). This stage holds one batch back; a one-clip batch (only ever
   * the last, as grouping emits full batches before it) joins the batch held back, so no clip is
   * dropped and no step sees a single clip.
   */
  static org.apache.pekko.stream.javadsl.Flow<ClipBatch, ClipBatch, org.apache.pekko.NotUsed>
      noSingletonBatches() {
    return org.apache.pekko.stream.javadsl.Flow.<ClipBatch>create()
        .statefulMap(
            () -> new ClipBatch[1],
            (held, next) -> {
              ClipBatch prev = held[0];
              if (prev == null) {
                held[0] = next;
                return org.apache.pekko.japi.Pair.create(held, List.<ClipBatch>of());
              }
              if (next.size() < 2) {
                held[0] = null;
                return org.apache.pekko.japi.Pair.create(held, List.of(merge(prev, next)));
              }
              held[0] = next;
              return org.apache.pekko.japi.Pair.create(held, List.of(prev));
            },
            held -> java.util.Optional.ofNullable(held[0]).map(List::of))
        .mapConcat(x -> x);
  }

  private static ClipBatch merge(ClipBatch a, ClipBatch b) {
    List<Sample> samples = new ArrayList<>(a.samples());
    samples.addAll(b.samples());
    List<org.sakd.data.Clip> clips = new ArrayList<>(a.clips());
    clips.addAll(b.clips());
    return new ClipBatch(samples, clips);
  }

  /**
   * Splits the batch over the replicas; each trains its shard, all apply the same all-reduced step.
   */
  private CompletionStage<Double> trainStep(
      ClipBatch batch, TeacherOutputs t, float[] alphaAll, double rate) {
    long id = step.getAndIncrement();
    int r = stages.trainers().size();
    List<CompletableFuture<TrainerActor.Trained>> parts = new ArrayList<>();
    int n = batch.size();
    for (int i = 0; i < r; i++) {
      int from = (int) ((long) n * i / r);
      int to = (int) ((long) n * (i + 1) / r);
      ClipBatch shard = batch.slice(from, to);
      float[] a = null;
      if (alphaAll != null) {
        a = new float[to - from];
        for (int j = from; j < to; j++) {
          a[j - from] = alphaAll[batch.samples().get(j).index()];
        }
      }
      float[] shardAlpha = a;
      parts.add(
          this.<TrainerActor.Command, TrainerActor.Trained>ask(
                  stages.trainers().get(i),
                  rr ->
                      new TrainerActor.TrainShard(
                          id, shard, t.slice(from, to), shardAlpha, rate, rr))
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(parts.toArray(new CompletableFuture[0]))
        .thenApply(
            x -> {
              double sum = 0;
              int count = 0;
              for (var p : parts) {
                TrainerActor.Trained tr = p.join();
                if (tr.samples() > 0) {
                  sum += tr.loss() * tr.samples();
                  count += tr.samples();
                }
              }
              return count == 0 ? Double.NaN : sum / count;
            });
  }

  /**
   * Decode test views → batch → student (replica 0, eval mode); eval.views views are
   * softmax-averaged.
   */
  private CompletionStage<TopK> validationPass() {
    int views = s.eval().views();
    org.sakd.train.ViewVotes votes = new org.sakd.train.ViewVotes(spec.classes());
    Progress bar = new Progress("validate", (long) spec.test().size() * views);
    CompletionStage<Done> done = CompletableFuture.completedFuture(Done.getInstance());
    for (int v = 0; v < views; v++) {
      int view = v;
      done =
          done.thenCompose(
              x ->
                  Source.from(spec.test())
                      .mapAsync(
                          decodeParallelism,
                          smp ->
                              this.<DecoderActor.Command, DecoderActor.Decoded>ask(
                                  stages.decoders(),
                                  r -> new DecoderActor.Decode(smp, false, 0, view, views, r)))
                      .filter(d -> d.clip().isPresent())
                      .grouped(s.eval().batchSize())
                      .map(EpochCoordinator::batchOf)
                      .mapAsync(
                          1,
                          batch ->
                              this.<TrainerActor.Command, TrainerActor.Logits>ask(
                                      stages.trainers().get(0),
                                      r -> new TrainerActor.Evaluate(batch, r))
                                  .thenApply(l -> new Object[] {batch.ids(), l}))
                      .runWith(
                          Sink.foreach(
                              p -> {
                                TrainerActor.Logits l = (TrainerActor.Logits) p[1];
                                votes.add((int[]) p[0], l.labels(), l.logits());
                                bar.step(l.labels().length, Double.NaN);
                              }),
                          mat));
    }
    return done.thenApply(d -> votes.topK()).whenComplete((x, e) -> bar.close());
  }

  // ---- checkpoint and reports
  // ----------------------------------------------------------------------------

  private CompletionStage<Done> checkpoint(EpochRecord rec, int[] sub, float[] al) {
    List<CompletableFuture<TrainerActor.State>> states = new ArrayList<>();
    for (var t : stages.trainers()) {
      states.add(ask(t, TrainerActor.GetState::new).toCompletableFuture());
    }
    CompletionStage<SelectionStateProto> sel =
        stages.selector() != null
            ? ask(stages.selector(), SelectorActor.GetState::new)
            : CompletableFuture.completedFuture(Checkpoints.subsetOnly(sub, al));
    return CompletableFuture.allOf(states.toArray(new CompletableFuture[0]))
        .thenCompose(x -> sel)
        .thenApply(
            selState -> {
              TrainerActor.State first = states.get(0).join();
              for (int i = 1; i < states.size(); i++) {
                double c = states.get(i).join().checksum();
                if (Math.abs(c - first.checksum())
                    > 1e-3 * Math.max(1, Math.abs(first.checksum()))) {
                  throw new IllegalStateException(
                      "replica "
                          + i
                          + " diverged from replica 0 at epoch "
                          + rec.epoch()
                          + " (parameter checksum "
                          + c
                          + " vs "
                          + first.checksum()
                          + ")");
                }
              }
              List<EpochRecord> all = new ArrayList<>(history);
              all.add(rec);
              CheckpointProto c =
                  Checkpoints.build(
                      rec.epoch(),
                      spec.studentName(),
                      first.student(),
                      first.extras(),
                      first.optimizer(),
                      selState,
                      s.run().seed(),
                      all,
                      s.render());
              if ((rec.epoch() + 1) % s.train().checkpointEvery() == 0
                  || rec.epoch() + 1 == s.train().epochs()) {
                spec.store().save(CheckpointStore.LAST, c);
              }
              double best = history.stream().mapToDouble(EpochRecord::top1).max().orElse(-1);
              if (rec.top1() > best) {
                spec.store().save(CheckpointStore.BEST, c);
              }
              return Done.getInstance();
            });
  }

  private void writeSelection(int epoch, SelectorActor.Selection sel) {
    boolean[] chosen = new boolean[spec.train().size()];
    for (int id : sel.selected()) {
      chosen[id] = true;
    }
    StringBuilder sb = new StringBuilder("id,sample,label,d,alpha,selected\n");
    for (Sample smp : spec.train()) {
      int i = smp.index();
      sb.append(i)
          .append(',')
          .append(smp.id().replace(',', ';'))
          .append(',')
          .append(smp.label())
          .append(',')
          .append(String.format(Locale.ROOT, "%.6f,%.6f", sel.difficulty()[i], sel.alpha()[i]))
          .append(',')
          .append(chosen[i] ? 1 : 0)
          .append('\n');
    }
    spec.log().write(String.format(Locale.ROOT, "selection/epoch-%03d.csv", epoch), sb.toString());
  }

  private void report(EpochRecord r) {
    Map<String, Object> row = r.metricsRow(mode(), lr.lr(r.epoch()));
    spec.log().metrics(row);
    spec.log().event("epoch", row);
    LOG.info(
        String.format(
            Locale.ROOT,
            "%s epoch %d/%d%s  trained %d  loss %.4f  top1 %.2f  top5 %.2f  %.1fs (score %.1fs)%s",
            mode(),
            r.epoch() + 1,
            s.train().epochs(),
            r.selectionEpoch() ? " [select]" : "",
            r.trainedSamples(),
            r.trainLoss(),
            r.top1(),
            r.top5(),
            r.epochSeconds(),
            r.scoreSeconds(),
            r.selectionEpoch() && Double.isFinite(r.meanAlpha())
                ? String.format(Locale.ROOT, "  mean alpha of the selected %.3f", r.meanAlpha())
                : ""));
  }
}

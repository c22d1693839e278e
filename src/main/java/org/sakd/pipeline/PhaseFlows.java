package org.sakd.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BiFunction;
import java.util.function.IntToDoubleFunction;
import org.apache.pekko.Done;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorFlow;
import org.sakd.checkpoint.Checkpoints;
import org.sakd.config.Settings;
import org.sakd.data.Clip;
import org.sakd.data.Sample;
import org.sakd.monitor.Progress;
import org.sakd.monitor.RunClock;
import org.sakd.proto.SelectionStateProto;
import org.sakd.train.TopK;
import org.sakd.train.ViewVotes;

/**
 * The three phases of an epoch as back-pressured streams over the stage actors (DESIGN.md "One SAKD
 * epoch as data flow"), each stage an {@link ActorFlow} ask with typed elements: the scoring pass
 * (decode → interrupt → teacher → scorer → selector), the training pass (decode → buffer → batch →
 * teacher → replicas) and the validation pass (decode test views → student → votes). Holds no run
 * state: every call gets what it needs and returns what it made.
 */
final class PhaseFlows {

  /** A batch with the teacher's outputs for it. */
  record Taught(ClipBatch batch, TeacherOutputs teacher) {}

  /** What a training pass did: the mean loss over the clips it trained on, and their number. */
  record Trained(double loss, int clips) {}

  private static final Duration ASK = Duration.ofMinutes(30);

  /**
   * The part of an epoch the progress lines count as training, the rest as validation (the scoring
   * pass counts as the epoch's start); only the run's ETA depends on it.
   */
  private static final double TRAIN_SHARE = 0.9;

  private final Stages stages;
  private final Settings s;
  private final Materializer mat;
  private final PipelineGauge gauge;
  private final int decodeParallelism;
  private final Scheduler scheduler;
  // the progress lines' estimate of the run's time left; nothing the run computes reads it
  private final RunClock clock;

  PhaseFlows(
      Stages stages, Settings s, Materializer mat, PipelineGauge gauge, Scheduler scheduler) {
    this.stages = stages;
    this.scheduler = scheduler;
    this.s = s;
    this.mat = mat;
    this.gauge = gauge;
    this.decodeParallelism = 2 * s.data().decoders();
    this.clock = new RunClock(s.train().epochs());
  }

  /** Decodes the epoch's training clip of each sample, in order; undecodable ones are dropped. */
  private Flow<Sample, DecoderActor.Decoded, NotUsed> decodeTrain(EpochPlan plan) {
    return PhaseFlows.<Sample, DecoderActor.Command, DecoderActor.Decoded>askKeeping(
            decodeParallelism,
            stages.decoders(),
            (smp, r) ->
                new DecoderActor.Decode(smp, true, plan.clipSeed(s.data().trainSampling(), smp), r))
        .map(Pair::first)
        .filter(d -> d.clip().isPresent());
  }

  /** The teacher's outputs for each batch, paired with it. */
  private Flow<ClipBatch, Taught, NotUsed> teach(boolean cacheable) {
    return teach(cacheable, 1);
  }

  /**
   * The teacher's outputs for each batch, computed shard by shard when {@code shards} replicas
   * split it (as {@link ReplicaGroup#shardStart} splits it): a trainer node of a cluster teaches
   * exactly its shard, and a convolution's bits can depend on the batch it runs in, so one JVM with
   * R replicas and R trainer nodes see the same teacher outputs.
   */
  private Flow<ClipBatch, Taught, NotUsed> teach(boolean cacheable, int shards) {
    if (stages.teacher() == null) {
      return Flow.<ClipBatch>create().map(b -> new Taught(b, null)); // supervised: no teacher
    }
    if (shards == 1) {
      return PhaseFlows.<ClipBatch, TeacherActor.Command, TeacherOutputs>askKeeping(
              1, stages.teacher(), (b, r) -> new TeacherActor.Infer(b, cacheable, r))
          .map(p -> new Taught(p.second(), p.first()));
    }
    return Flow.<ClipBatch>create()
        .mapAsync(
            1,
            b -> {
              int n = b.size();
              CompletionStage<List<TeacherOutputs>> all =
                  CompletableFuture.completedFuture(new ArrayList<>());
              for (int i = 0; i < shards; i++) {
                ClipBatch shard =
                    b.slice(
                        ReplicaGroup.shardStart(n, i, shards),
                        ReplicaGroup.shardStart(n, i + 1, shards));
                if (shard.size() == 0) {
                  continue; // a replica left out of a small batch
                }
                all =
                    all.thenCompose(
                        list ->
                            AskPattern.<TeacherActor.Command, TeacherOutputs>ask(
                                    stages.teacher(),
                                    r -> new TeacherActor.Infer(shard, cacheable, r),
                                    ASK,
                                    scheduler)
                                .thenApply(
                                    o -> {
                                      list.add(o);
                                      return list;
                                    }));
              }
              return all.thenApply(list -> new Taught(b, TeacherOutputs.concat(list)));
            });
  }

  /** The scoring pass's progress line (scoring in this JVM or on the trainer nodes). */
  private Progress scoreBar(int epoch, int samples, int epochs) {
    return new Progress(
        "score " + (epoch + 1) + "/" + epochs, samples, new Progress.Position(clock, epoch, 0, 0));
  }

  /** The scoring pass over the whole training set; the selector holds the scores when it ends. */
  CompletionStage<Done> score(EpochPlan plan, double beta, List<Sample> train, int epochs) {
    int epoch = plan.epoch();
    Progress bar = scoreBar(epoch, train.size(), epochs);
    return Source.from(train)
        .via(decodeTrain(plan))
        .grouped(s.sakd().scoreBatchSize())
        .map(PhaseFlows::batchOf)
        .via(
            PhaseFlows.<ClipBatch, InterrupterActor.Command, ClipBatch>askKeeping(
                    1,
                    stages.interrupter(),
                    (b, r) ->
                        new InterrupterActor.Interrupt(
                            b, beta, s.sakd().eta(), plan.interruptSeed(), r))
                .map(Pair::first))
        .via(teach(false))
        .via(
            PhaseFlows.<Taught, ScorerActor.Command, ScorerActor.Scores>askKeeping(
                    1, stages.scorer(), (t, r) -> new ScorerActor.Score(t.batch(), t.teacher(), r))
                .map(Pair::first))
        .via(
            PhaseFlows.<ScorerActor.Scores, SelectorActor.Command, Done>askKeeping(
                    1, stages.selector(), (sc, r) -> new SelectorActor.Add(sc, r))
                .map(p -> p.second().ids().length))
        .runWith(Sink.foreach(k -> bar.step(k, Double.NaN)), mat)
        .whenComplete((x, e) -> bar.close());
  }

  /**
   * The scoring pass on the trainer nodes: the same batches as {@link #score} (in order, {@code
   * sakd.score-batch-size} samples each), dealt round-robin to the nodes, which decode, interrupt,
   * teach and score them; the scores go to the selector in batch order.
   */
  private CompletionStage<Done> scoreOnNodes(
      EpochPlan plan, double beta, List<Sample> train, int epochs, ReplicaGroup replicas) {
    int epoch = plan.epoch();
    Progress bar = scoreBar(epoch, train.size(), epochs);
    return Source.from(train)
        .grouped(s.sakd().scoreBatchSize())
        .zipWithIndex()
        .mapAsync(
            2 * replicas.size(),
            p -> {
              List<Sample> batch = p.first();
              long[] seeds = new long[batch.size()];
              for (int i = 0; i < seeds.length; i++) {
                seeds[i] = plan.clipSeed(s.data().trainSampling(), batch.get(i));
              }
              return replicas.scoreOn(
                  (int) (p.second() % replicas.size()),
                  batch,
                  seeds,
                  beta,
                  s.sakd().eta(),
                  plan.interruptSeed());
            })
        .via(
            PhaseFlows.<ScorerActor.Scores, SelectorActor.Command, Done>askKeeping(
                    1, stages.selector(), (sc, r) -> new SelectorActor.Add(sc, r))
                .map(p -> p.second().ids().length))
        .runWith(Sink.foreach(k -> bar.step(k, Double.NaN)), mat)
        .whenComplete((x, e) -> bar.close());
  }

  /**
   * A run's start: the teacher's classifier head goes to every student (and the scorer's); then the
   * replicas take the checkpoint's state (and the selector its selection) when {@code resumePoint}
   * finds one, else replica 0's initial state. Null for a fresh start.
   */
  CompletionStage<RunRecorder.Resume> start(
      ReplicaGroup replicas,
      java.util.function.Supplier<CompletionStage<java.util.Optional<RunRecorder.Resume>>>
          resumePoint) {
    CompletionStage<TeacherActor.Head> head =
        stages.teacher() == null
            ? CompletableFuture.completedFuture(null)
            : AskPattern.ask(stages.teacher(), TeacherActor.GetHead::new, ASK, scheduler);
    return head.thenCompose(
            h -> {
              if (h != null) {
                replicas.setHead(h);
              }
              if (stages.scorer() != null) {
                stages.scorer().tell(new ScorerActor.SetHead(h));
              }
              return resumePoint.get();
            })
        .thenCompose(
            resume ->
                resume.isEmpty()
                    ? replicas
                        .state()
                        .thenCompose(replicas::broadcast)
                        .thenApply(x -> (RunRecorder.Resume) null)
                    : replicas
                        .broadcast(resume.get().state())
                        .thenCompose(x -> restoreSelection(resume.get().selection()))
                        .thenApply(x -> resume.get()));
  }

  /**
   * A selection epoch's first phase: the scorer takes replica 0's current student, the scoring pass
   * runs, and the selector picks the subset (on its blocking dispatcher).
   */
  CompletionStage<SelectorActor.Selection> select(
      EpochPlan plan, double beta, boolean shuffle, List<Sample> train, ReplicaGroup replicas) {
    return replicas.state().thenCompose(st -> selectWith(st, plan, beta, shuffle, train, replicas));
  }

  /**
   * A selection with the student in {@code st} (replica 0's state now, or, when scoring overlaps
   * training, at the start of the epoch before).
   */
  CompletionStage<SelectorActor.Selection> selectWith(
      TrainerActor.State st,
      EpochPlan plan,
      double beta,
      boolean shuffle,
      List<Sample> train,
      ReplicaGroup replicas) {
    int epoch = plan.epoch();
    int epochs = s.train().epochs();
    // a cluster's trainer nodes score the pass between them, each with rank 0's student
    CompletionStage<Done> scored =
        replicas.remote()
            ? replicas
                .loadScorers(st, epoch, epochs)
                .thenCompose(x -> scoreOnNodes(plan, beta, train, epochs, replicas))
            : AskPattern.<ScorerActor.Command, ScorerActor.Loaded>ask(
                    stages.scorer(),
                    r -> new ScorerActor.Load(st, epoch, epochs, r),
                    ASK,
                    scheduler)
                .thenCompose(x -> score(plan, beta, train, epochs));
    return scored.thenCompose(
        x ->
            AskPattern.<SelectorActor.Command, SelectorActor.Selection>ask(
                stages.selector(),
                r ->
                    new SelectorActor.Select(
                        epoch, beta, shuffle, s.sakd().ratio(), plan.selectSeed(), r),
                ASK,
                scheduler));
  }

  /** The selector's state for a checkpoint, or just the subset and α where there is no selector. */
  CompletionStage<SelectionStateProto> selectionState(int[] subset, float[] alpha) {
    return stages.selector() != null
        ? AskPattern.ask(stages.selector(), SelectorActor.GetState::new, ASK, scheduler)
        : CompletableFuture.completedFuture(Checkpoints.subsetOnly(subset, alpha));
  }

  /** The selector takes a checkpoint's selection state (no-op without a selector or a state). */
  private CompletionStage<Done> restoreSelection(SelectionStateProto state) {
    return stages.selector() != null && state != null
        ? AskPattern.ask(
            stages.selector(),
            (ActorRef<Done> r) -> new SelectorActor.Restore(state, r),
            ASK,
            scheduler)
        : CompletableFuture.completedFuture(Done.getInstance());
  }

  /**
   * The training pass over {@code order}: {@code rate} gives the learning rate of the i-th step;
   * each batch is split over the replicas, which apply the same all-reduced step.
   */
  CompletionStage<Trained> train(
      EpochPlan plan,
      List<Sample> order,
      float[] alpha,
      IntToDoubleFunction rate,
      ReplicaGroup replicas,
      int epochs) {
    Progress bar =
        new Progress(
            "train " + (plan.epoch() + 1) + "/" + epochs,
            order.size(),
            new Progress.Position(clock, plan.epoch(), 0, TRAIN_SHARE));
    boolean cacheable = s.data().trainSampling() == org.sakd.data.Sampling.FIXED;
    if (replicas.remote()) {
      return trainRemote(plan, order, alpha, rate, replicas, cacheable, bar);
    }
    return Source.from(order)
        .via(decodeTrain(plan))
        .map(
            d -> {
              gauge.decoded(1);
              return d;
            })
        .buffer(s.pipeline().buffer(), OverflowStrategy.backpressure())
        .grouped(s.train().batchSize())
        .map(PhaseFlows::batchOf)
        .via(noSingletonBatches())
        .via(teach(cacheable, replicas.size()))
        // one batch of slack, so the teacher starts the next batch while the trainer has not
        // pulled the last one
        .buffer(1, OverflowStrategy.backpressure())
        .zipWithIndex()
        .mapAsync(
            1,
            p -> {
              ClipBatch batch = p.first().batch();
              double lr = rate.applyAsDouble((int) (long) p.second());
              return replicas
                  .step(batch, p.first().teacher(), alpha, lr)
                  .thenApply(
                      loss -> {
                        gauge.consumed(batch.size());
                        bar.step(batch.size(), loss);
                        return new double[] {loss * batch.size(), batch.size()};
                      });
            })
        .runWith(meanOfSteps(), mat)
        .whenComplete((x, e) -> bar.close());
  }

  /**
   * The training pass when the replicas are trainer nodes: batches of samples (the same batches as
   * in one JVM, a lone last sample joining the batch before it) with their clip seeds go to the
   * nodes, which decode and teach their own shards.
   */
  private CompletionStage<Trained> trainRemote(
      EpochPlan plan,
      List<Sample> order,
      float[] alpha,
      IntToDoubleFunction rate,
      ReplicaGroup replicas,
      boolean cacheable,
      Progress bar) {
    return Source.from(order)
        .grouped(s.train().batchSize())
        .via(PhaseFlows.<Sample>noSingletonGroups())
        .zipWithIndex()
        .mapAsync(
            1,
            p -> {
              List<Sample> batch = p.first();
              long[] seeds = new long[batch.size()];
              for (int i = 0; i < seeds.length; i++) {
                seeds[i] = plan.clipSeed(s.data().trainSampling(), batch.get(i));
              }
              double lr = rate.applyAsDouble((int) (long) p.second());
              return replicas
                  .stepSamples(batch, seeds, alpha, lr, cacheable)
                  .thenApply(
                      loss -> {
                        bar.step(batch.size(), loss);
                        return new double[] {loss * batch.size(), batch.size()};
                      });
            })
        .runWith(meanOfSteps(), mat)
        .whenComplete((x, e) -> bar.close());
  }

  /** A training pass's (loss·clips, clips) per step, summed into its mean loss and clip count. */
  private static Sink<double[], CompletionStage<Trained>> meanOfSteps() {
    return Sink.<double[], double[]>fold(
            new double[2], (acc, x) -> new double[] {acc[0] + x[0], acc[1] + x[1]})
        .mapMaterializedValue(
            f ->
                f.thenApply(
                    acc -> new Trained(acc[1] == 0 ? Double.NaN : acc[0] / acc[1], (int) acc[1])));
  }

  /** {@link #noSingletonBatches()} over groups of samples. */
  static <T> Flow<List<T>, List<T>, NotUsed> noSingletonGroups() {
    return Flow.<List<T>>create()
        .statefulMap(
            () -> new ArrayList<List<T>>(1),
            (held, next) -> {
              if (held.isEmpty()) {
                held.add(next);
                return Pair.create(held, List.<List<T>>of());
              }
              List<T> prev = held.remove(0);
              if (next.size() < 2) {
                List<T> merged = new ArrayList<>(prev);
                merged.addAll(next);
                return Pair.create(held, List.of(merged));
              }
              held.add(next);
              return Pair.create(held, List.of(prev));
            },
            held -> held.isEmpty() ? Optional.empty() : Optional.of(List.of(held.get(0))))
        .mapConcat(x -> x);
  }

  /** Decode test views → batch → student (replica 0, eval mode); eval.views views are averaged. */
  CompletionStage<TopK> validate(int epoch, List<Sample> test, int classes, ReplicaGroup replicas) {
    return replicas.prepareEvaluator().thenCompose(x -> validateOn(epoch, test, classes, replicas));
  }

  private CompletionStage<TopK> validateOn(
      int epoch, List<Sample> test, int classes, ReplicaGroup replicas) {
    int views = s.eval().views();
    ViewVotes votes = new ViewVotes(classes);
    Progress bar =
        new Progress(
            "validate",
            (long) test.size() * views,
            new Progress.Position(clock, epoch, TRAIN_SHARE, 1));
    CompletionStage<Done> done = CompletableFuture.completedFuture(Done.getInstance());
    for (int v = 0; v < views; v++) {
      int view = v;
      done =
          done.thenCompose(
              x ->
                  Source.from(test)
                      .via(
                          PhaseFlows.<Sample, DecoderActor.Command, DecoderActor.Decoded>askKeeping(
                                  decodeParallelism,
                                  stages.decoders(),
                                  (smp, r) ->
                                      new DecoderActor.Decode(smp, false, 0, view, views, r))
                              .map(Pair::first))
                      .filter(d -> d.clip().isPresent())
                      .grouped(s.eval().batchSize())
                      .map(PhaseFlows::batchOf)
                      .via(
                          PhaseFlows
                              .<ClipBatch, TrainerActor.Command, TrainerActor.Logits>askKeeping(
                                  1,
                                  replicas.evaluator(),
                                  (b, r) -> new TrainerActor.Evaluate(b, r)))
                      .runWith(
                          Sink.foreach(
                              p -> {
                                TrainerActor.Logits l = p.first();
                                votes.add(p.second().ids(), l.labels(), l.logits());
                                bar.step(l.labels().length, Double.NaN);
                              }),
                          mat));
    }
    return done.thenApply(d -> votes.topK()).whenComplete((x, e) -> bar.close());
  }

  /**
   * An ask stage that keeps its element: emits (answer, element), in order, at most {@code
   * parallelism} asks in flight (pekko-stream-typed's askWithContext with the element as context).
   */
  static <I, Q, A> Flow<I, Pair<A, I>, NotUsed> askKeeping(
      int parallelism, ActorRef<Q> ref, BiFunction<I, ActorRef<A>, Q> message) {
    return ActorFlow.<I, Q, A, I>askWithContext(parallelism, ref, ASK, message)
        .contramap(i -> Pair.create(i, i));
  }

  static ClipBatch batchOf(List<DecoderActor.Decoded> ds) {
    List<Sample> samples = new ArrayList<>(ds.size());
    List<Clip> clips = new ArrayList<>(ds.size());
    for (var d : ds) {
      samples.add(d.sample());
      clips.add(d.clip().get());
    }
    return new ClipBatch(samples, clips);
  }

  /**
   * Batch norm cannot train on one clip, and the last group of an epoch can hold one (N mod B = 1,
   * or a clip that failed to decode). This stage holds one batch back; a one-clip batch (only ever
   * the last, as grouping emits full batches before it) joins the batch held back, so no clip is
   * dropped and no step sees a single clip.
   */
  static Flow<ClipBatch, ClipBatch, NotUsed> noSingletonBatches() {
    return Flow.<ClipBatch>create()
        .statefulMap(
            () -> new ClipBatch[1],
            (held, next) -> {
              ClipBatch prev = held[0];
              if (prev == null) {
                held[0] = next;
                return Pair.create(held, List.<ClipBatch>of());
              }
              if (next.size() < 2) {
                held[0] = null;
                return Pair.create(held, List.of(ClipBatch.merge(prev, next)));
              }
              held[0] = next;
              return Pair.create(held, List.of(prev));
            },
            held -> Optional.ofNullable(held[0]).map(List::of))
        .mapConcat(x -> x);
  }
}

package org.sakd.pipeline;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The student replicas of a run as one trainer: a batch split into shards, one per replica, each
 * trained on its own device, the gradients all-reduced by the exchange so every replica applies the
 * same step; state broadcast from one replica to all; a checksum check that they still agree. The
 * replicas are actor refs, so the cluster can back this group with trainers on other nodes.
 */
final class ReplicaGroup {

  private static final Duration ASK = Duration.ofMinutes(30);

  private final List<ActorRef<TrainerActor.Command>> trainers;
  private final ActorRef<TrainerActor.Command> evaluator;
  private final Scheduler scheduler;

  /**
   * Step ids for the gradient exchange. Only the training stream calls {@link #step}, one step at a
   * time (mapAsync(1)), but on whichever thread completed the previous step: hence atomic.
   */
  private final AtomicLong nextStep = new AtomicLong();

  /**
   * {@code evaluator}: null when replica 0 validates; else a local replica that takes replica 0's
   * state before each validation (the trainers are then on other nodes).
   */
  ReplicaGroup(
      List<ActorRef<TrainerActor.Command>> trainers,
      ActorRef<TrainerActor.Command> evaluator,
      Scheduler scheduler) {
    this.trainers = List.copyOf(trainers);
    this.evaluator = evaluator;
    this.scheduler = scheduler;
  }

  /**
   * Where shard {@code i} of a batch of {@code n} clips over {@code r} replicas starts: rows
   * [n·i/a, n·(i+1)/a) for the first a = min(r, n/2) replicas (at least one), none for the others.
   * Batch norm cannot train on one clip, so a batch too small to give every replica two clips
   * leaves some replicas out of the step (they add a zero gradient with weight 0).
   */
  static int shardStart(int n, int i, int r) {
    int active = Math.max(1, Math.min(r, n / 2));
    return i >= active ? n : (int) ((long) n * i / active);
  }

  /** Whether the replicas decode and teach their own shards (trainer nodes of a cluster). */
  boolean remote() {
    return evaluator != null;
  }

  int size() {
    return trainers.size();
  }

  /** The replica that validates (replica 0, or the local copy of its state). */
  ActorRef<TrainerActor.Command> evaluator() {
    return evaluator == null ? trainers.get(0) : evaluator;
  }

  /**
   * Before a validation: a local evaluator takes replica 0's parameters and batch-norm statistics
   * (the broadcast from rank 0 before every validation); nothing to do when replica 0 validates.
   */
  CompletionStage<Done> prepareEvaluator() {
    if (evaluator == null) {
      return CompletableFuture.completedFuture(Done.getInstance());
    }
    return state()
        .thenCompose(
            st ->
                AskPattern.<TrainerActor.Command, TrainerActor.State>ask(
                    evaluator,
                    r ->
                        new TrainerActor.Restore(
                            new TrainerActor.State(st.student(), st.extras(), null, st.checksum()),
                            r),
                    ASK,
                    scheduler))
        .thenApply(x -> Done.getInstance());
  }

  void setHead(TeacherActor.Head head) {
    trainers.forEach(t -> t.tell(new TrainerActor.SetHead(head)));
  }

  void epochStart(int epoch, int epochs) {
    trainers.forEach(t -> t.tell(new TrainerActor.EpochStart(epoch, epochs)));
  }

  /** Every trainer node's scorer takes {@code st} (rank 0's student) before a scoring pass. */
  CompletionStage<Done> loadScorers(TrainerActor.State st, int epoch, int epochs) {
    List<CompletableFuture<ScorerActor.Loaded>> all = new ArrayList<>();
    for (var t : trainers) {
      all.add(
          AskPattern.<TrainerActor.Command, ScorerActor.Loaded>ask(
                  t, r -> new TrainerActor.LoadScorer(st, epoch, epochs, r), ASK, scheduler)
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(all.toArray(new CompletableFuture[0]))
        .thenApply(x -> Done.getInstance());
  }

  /** One batch of the scoring pass, scored on trainer node {@code i}. */
  CompletionStage<ScorerActor.Scores> scoreOn(
      int i,
      List<org.sakd.data.Sample> batch,
      long[] seeds,
      double beta,
      double eta,
      long interruptSeed) {
    return AskPattern.ask(
        trainers.get(i),
        r -> new TrainerActor.ScoreSamples(batch, seeds, beta, eta, interruptSeed, r),
        ASK,
        scheduler);
  }

  /** Replica 0's parameters, buffers and optimizer state. */
  CompletionStage<TrainerActor.State> state() {
    return AskPattern.ask(trainers.get(0), TrainerActor.GetState::new, ASK, scheduler);
  }

  /** Every replica takes {@code st} (a run's start: all replicas begin identical). */
  CompletionStage<Done> broadcast(TrainerActor.State st) {
    List<CompletableFuture<TrainerActor.State>> all = new ArrayList<>();
    for (var t : trainers) {
      all.add(
          AskPattern.<TrainerActor.Command, TrainerActor.State>ask(
                  t, r -> new TrainerActor.Restore(st, r), ASK, scheduler)
              .toCompletableFuture());
    }
    return CompletableFuture.allOf(all.toArray(new CompletableFuture[0]))
        .thenApply(x -> Done.getInstance());
  }

  /**
   * One step on {@code batch}: shard i of R is rows [n·i/R, n·(i+1)/R); α (over all training ids,
   * or null) goes with its rows. Returns the mean loss over the clips trained on.
   */
  CompletionStage<Double> step(ClipBatch batch, TeacherOutputs t, float[] alphaAll, double rate) {
    long id = nextStep.getAndIncrement();
    int r = trainers.size();
    int n = batch.size();
    List<CompletableFuture<TrainerActor.Trained>> parts = new ArrayList<>();
    for (int i = 0; i < r; i++) {
      int from = shardStart(n, i, r);
      int to = shardStart(n, i + 1, r);
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
          AskPattern.<TrainerActor.Command, TrainerActor.Trained>ask(
                  trainers.get(i),
                  rr ->
                      new TrainerActor.TrainShard(
                          id, shard, t == null ? null : t.slice(from, to), shardAlpha, rate, rr),
                  ASK,
                  scheduler)
              .toCompletableFuture());
    }
    return meanLoss(parts);
  }

  /**
   * One step on {@code batch}, which the replicas decode and teach themselves: shard i of R is rows
   * [n·i/R, n·(i+1)/R) as in {@link #step}, with each sample's clip seed and α. Returns the mean
   * loss over the clips trained on.
   */
  CompletionStage<Double> stepSamples(
      List<org.sakd.data.Sample> batch,
      long[] seeds,
      float[] alphaAll,
      double rate,
      boolean cacheable) {
    long id = nextStep.getAndIncrement();
    int r = trainers.size();
    int n = batch.size();
    List<CompletableFuture<TrainerActor.Trained>> parts = new ArrayList<>();
    for (int i = 0; i < r; i++) {
      int from = shardStart(n, i, r);
      int to = shardStart(n, i + 1, r);
      float[] a = null;
      if (alphaAll != null) {
        a = new float[to - from];
        for (int j = from; j < to; j++) {
          a[j - from] = alphaAll[batch.get(j).index()];
        }
      }
      float[] shardAlpha = a;
      List<org.sakd.data.Sample> shard = List.copyOf(batch.subList(from, to));
      long[] shardSeeds = java.util.Arrays.copyOfRange(seeds, from, to);
      parts.add(
          AskPattern.<TrainerActor.Command, TrainerActor.Trained>ask(
                  trainers.get(i),
                  rr ->
                      new TrainerActor.TrainSamples(
                          id, shard, shardSeeds, shardAlpha, rate, n, cacheable, rr),
                  ASK,
                  scheduler)
              .toCompletableFuture());
    }
    return meanLoss(parts);
  }

  private static CompletionStage<Double> meanLoss(
      List<CompletableFuture<TrainerActor.Trained>> parts) {
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
   * Replica 0's state, after checking every replica's parameter checksum agrees with it; a replica
   * that diverged fails the epoch.
   */
  CompletionStage<TrainerActor.State> agreedState(int epoch) {
    List<CompletableFuture<TrainerActor.State>> states = new ArrayList<>();
    for (var t : trainers) {
      states.add(
          AskPattern.ask(t, TrainerActor.GetState::new, ASK, scheduler).toCompletableFuture());
    }
    return CompletableFuture.allOf(states.toArray(new CompletableFuture[0]))
        .thenApply(
            x -> {
              TrainerActor.State first = states.get(0).join();
              for (int i = 1; i < states.size(); i++) {
                double c = states.get(i).join().checksum();
                if (Math.abs(c - first.checksum())
                    > 1e-3 * Math.max(1, Math.abs(first.checksum()))) {
                  throw new IllegalStateException(
                      "replica "
                          + i
                          + " diverged from replica 0 at epoch "
                          + epoch
                          + " (parameter checksum "
                          + c
                          + " vs "
                          + first.checksum()
                          + ")");
                }
              }
              return first;
            });
  }
}

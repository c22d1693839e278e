package org.sakd.pipeline;

import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The stage actors a run drives (scorer and selector null without SAKD scoring). {@code evaluator}
 * is null when replica 0 validates (one JVM); in a cluster run the trainers are proxies of trainer
 * nodes ({@link RemoteTrainer}) and a local replica takes replica 0's state to validate.
 */
public record Stages(
    ActorRef<DecoderActor.Command> decoders,
    ActorRef<InterrupterActor.Command> interrupter,
    ActorRef<TeacherActor.Command> teacher,
    ActorRef<ScorerActor.Command> scorer,
    ActorRef<SelectorActor.Command> selector,
    List<ActorRef<TrainerActor.Command>> trainers,
    ActorRef<TrainerActor.Command> evaluator) {
  public Stages(
      ActorRef<DecoderActor.Command> decoders,
      ActorRef<InterrupterActor.Command> interrupter,
      ActorRef<TeacherActor.Command> teacher,
      ActorRef<ScorerActor.Command> scorer,
      ActorRef<SelectorActor.Command> selector,
      List<ActorRef<TrainerActor.Command>> trainers) {
    this(decoders, interrupter, teacher, scorer, selector, trainers, null);
  }

  /** Whether the trainers live on other nodes (they decode and teach their own shards). */
  public boolean remoteTrainers() {
    return evaluator != null;
  }
}

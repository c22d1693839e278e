package org.sakd.pipeline;

import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;

/** The stage actors a run drives (scorer and selector null without SAKD scoring). */
public record Stages(
    ActorRef<DecoderActor.Command> decoders,
    ActorRef<InterrupterActor.Command> interrupter,
    ActorRef<TeacherActor.Command> teacher,
    ActorRef<ScorerActor.Command> scorer,
    ActorRef<SelectorActor.Command> selector,
    List<ActorRef<TrainerActor.Command>> trainers) {}

package org.sakd.pipeline;

import java.util.Random;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.sakd.data.Clip;
import org.sakd.sakd.SpatialInterruption;
import org.sakd.sakd.TemporalInterruption;

/**
 * The interruption stage of the scoring pass (METHOD.md §1): frame dropout below η, frame shuffle
 * at or above it; one-frame clips (images) get the spatial-patch variant. Each clip draws from its
 * own seeded RNG.
 */
public final class InterrupterActor extends AbstractBehavior<InterrupterActor.Command> {

  public sealed interface Command {}

  public record Interrupt(
      ClipBatch batch, double beta, double eta, long seed, ActorRef<ClipBatch> replyTo)
      implements Command {}

  private InterrupterActor(ActorContext<Command> context) {
    super(context);
  }

  public static Behavior<Command> create() {
    return Behaviors.setup(InterrupterActor::new);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder().onMessage(Interrupt.class, this::onInterrupt).build();
  }

  private Behavior<Command> onInterrupt(Interrupt m) {
    m.replyTo().tell(interrupt(m.batch(), m.beta(), m.eta(), m.seed()));
    return this;
  }

  static ClipBatch interrupt(ClipBatch batch, double beta, double eta, long seed) {
    java.util.List<Clip> out = new java.util.ArrayList<>(batch.size());
    for (int i = 0; i < batch.size(); i++) {
      Clip c = batch.clips().get(i);
      Random rng =
          new Random(
              org.sakd.train.ClipLoader.clipSeed(seed, 7919, batch.samples().get(i).index()));
      float[] data =
          c.frames() > 1
              ? TemporalInterruption.apply(
                  c.data(), c.channels(), c.frames(), c.height(), c.width(), beta, eta, rng)
              : SpatialInterruption.apply(
                  c.data(), c.channels(), c.height(), c.width(), beta, eta, rng);
      out.add(new Clip(data, c.channels(), c.frames(), c.height(), c.width()));
    }
    return new ClipBatch(batch.samples(), out);
  }
}

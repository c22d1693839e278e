package org.sakd.pipeline;

import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.sakd.data.Clip;
import org.sakd.data.Sample;
import org.sakd.train.ClipLoader;

/**
 * Decodes one clip per request with FFmpeg (through the ClipLoader). A pool of these runs on the
 * blocking decoder dispatcher. A file that cannot be decoded is answered with an empty clip and
 * recorded by the loader, so the stream goes on and the run's report names it.
 */
public final class DecoderActor extends AbstractBehavior<DecoderActor.Command> {

  public sealed interface Command {}

  /**
   * Decode {@code sample}; {@code train} selects random (seeded) or test sampling; a test clip is
   * view {@code view} of {@code views} evenly spaced temporal windows (one view: the centre clip).
   */
  public record Decode(
      Sample sample, boolean train, long seed, int view, int views, ActorRef<Decoded> replyTo)
      implements Command {
    public Decode(Sample sample, boolean train, long seed, ActorRef<Decoded> replyTo) {
      this(sample, train, seed, 0, 1, replyTo);
    }
  }

  /**
   * The reply: the clip, or empty when the file was bad (the reason is in the loader's failures).
   */
  public record Decoded(Sample sample, Optional<Clip> clip) {}

  private final ClipLoader loader;

  private DecoderActor(ActorContext<Command> context, ClipLoader loader) {
    super(context);
    this.loader = loader;
  }

  public static Behavior<Command> create(ClipLoader loader) {
    return Behaviors.setup(ctx -> new DecoderActor(ctx, loader));
  }

  /**
   * A round-robin pool of {@code n} decoders on the decoder dispatcher, each restarted when it
   * fails (decoders are stateless).
   */
  static ActorRef<Command> spawnPool(
      org.apache.pekko.actor.typed.javadsl.ActorContext<?> ctx, int n, ClipLoader loader) {
    return ctx.spawn(
        org.apache.pekko.actor.typed.javadsl.Routers.pool(
                n,
                Behaviors.supervise(create(loader))
                    .onFailure(org.apache.pekko.actor.typed.SupervisorStrategy.restart()))
            .withRoundRobinRouting()
            .withRouteeProps(
                org.apache.pekko.actor.typed.DispatcherSelector.fromConfig(
                    "sakd-decoder-dispatcher")),
        "decoders");
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder().onMessage(Decode.class, this::onDecode).build();
  }

  private Behavior<Command> onDecode(Decode d) {
    d.replyTo()
        .tell(
            new Decoded(
                d.sample(),
                d.train() || d.views() == 1
                    ? loader.load(d.sample(), d.train(), d.seed())
                    : loader.loadView(d.sample(), d.view(), d.views())));
    return this;
  }
}

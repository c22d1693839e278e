package org.sakd.pipeline;

import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * All-reduce of gradients by messages, in one JVM: each replica contributes its flat gradient for
 * step s with its sample count; when all {@code replicas} have arrived, the sample-weighted mean is
 * summed in a fixed replica order (so every run adds in the same order) and sent back to every
 * replica, which then applies the identical optimizer step. (Across JVMs the cluster issue replaces
 * this with a chunked ring all-reduce.)
 */
public final class GradientExchange extends AbstractBehavior<GradientExchange.Command> {

  public sealed interface Command {}

  public record Contribute(
      long step, int replica, float[] gradient, int samples, ActorRef<Reduced> replyTo)
      implements Command {}

  /** The averaged gradient of one step. */
  public record Reduced(long step, float[] gradient) {}

  private final int replicas;
  private final Map<Long, Contribute[]> pending = new HashMap<>();

  private GradientExchange(ActorContext<Command> context, int replicas) {
    super(context);
    this.replicas = replicas;
  }

  public static Behavior<Command> create(int replicas) {
    return Behaviors.setup(ctx -> new GradientExchange(ctx, replicas));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder().onMessage(Contribute.class, this::onContribute).build();
  }

  private Behavior<Command> onContribute(Contribute c) {
    Contribute[] got = pending.computeIfAbsent(c.step(), s -> new Contribute[replicas]);
    if (c.replica() < 0 || c.replica() >= replicas || got[c.replica()] != null) {
      throw new IllegalStateException(
          "unexpected contribution of replica " + c.replica() + " to step " + c.step());
    }
    got[c.replica()] = c;
    for (Contribute x : got) {
      if (x == null) {
        return this;
      }
    }
    pending.remove(c.step());
    float[] mean = reduce(got);
    for (Contribute x : got) {
      x.replyTo().tell(new Reduced(c.step(), mean));
    }
    return this;
  }

  /**
   * Scales {@code gradient} in place by this replica's share of the batch, {@code samples / total}
   * (so the sum over replicas is the sample-weighted mean: averaged, not summed).
   */
  public static void weigh(float[] gradient, int samples, int total) {
    float w = total == 0 ? 0f : (float) ((double) samples / total);
    for (int i = 0; i < gradient.length; i++) {
      gradient[i] *= w;
    }
  }

  static float[] reduce(Contribute[] parts) {
    int total = 0;
    for (Contribute p : parts) {
      total += p.samples();
    }
    int n = parts[0].gradient().length;
    double[] acc = new double[n];
    for (Contribute p : parts) {
      if (p.gradient().length != n) {
        throw new IllegalStateException(
            "replica " + p.replica() + " sent " + p.gradient().length + " values, expected " + n);
      }
      double w = total == 0 ? 0 : (double) p.samples() / total;
      float[] g = p.gradient();
      for (int i = 0; i < n; i++) {
        acc[i] += w * g[i];
      }
    }
    float[] out = new float[n];
    for (int i = 0; i < n; i++) {
      out[i] = (float) acc[i];
    }
    return out;
  }
}

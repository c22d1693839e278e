package org.sakd.pipeline;

import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.sakd.train.GradientAverage;

/**
 * All-reduce of gradients by messages, in one JVM: each replica contributes its flat gradient for
 * step s with its sample count; when all {@code replicas} have arrived, the sample-weighted mean is
 * computed in the float operations of the cluster's ring all-reduce ({@code
 * org.sakd.cluster.RingAllReduce}: same weights, same addition order) and sent back to every
 * replica, which then applies the identical optimizer step. One JVM with R replicas and R trainer
 * JVMs therefore compute the same bits.
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
   * The sample-weighted mean: each part weighed in float as a trainer weighs its contribution, then
   * summed in the ring all-reduce's order with replica i as rank i ({@link GradientAverage}), so
   * these bits equal a cluster's.
   */
  static float[] reduce(Contribute[] parts) {
    int total = 0;
    for (Contribute p : parts) {
      total += p.samples();
    }
    int n = parts[0].gradient().length;
    float[][] weighted = new float[parts.length][];
    for (int i = 0; i < parts.length; i++) {
      Contribute p = parts[i];
      if (p.gradient().length != n) {
        throw new IllegalStateException(
            "replica " + p.replica() + " sent " + p.gradient().length + " values, expected " + n);
      }
      weighted[i] = GradientAverage.weigh(p.gradient(), p.samples(), total);
    }
    return GradientAverage.ringOrderSum(weighted);
  }
}

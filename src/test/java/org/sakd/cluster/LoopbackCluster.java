package org.sakd.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;

/**
 * N actor systems in this JVM on loopback ports forming one Pekko cluster: node 0 joins itself, the
 * others name it as their seed node. Every wait has a deadline; {@link #close} terminates all.
 */
public final class LoopbackCluster implements AutoCloseable {
  private static final Duration UP = Duration.ofSeconds(60);

  public final List<ActorTestKit> nodes = new ArrayList<>();

  /** {@code size} nodes, each with {@code extra} HOCON over {@link ClusterConfig#system}. */
  public static LoopbackCluster start(int size, String extra) throws InterruptedException {
    return start(size, extra, null);
  }

  /** The same, every node with {@code tls} (null: plain TCP). */
  static LoopbackCluster start(int size, String extra, NodeSpec.Tls tls)
      throws InterruptedException {
    LoopbackCluster c = new LoopbackCluster();
    try {
      ActorTestKit first = c.add(NodeSpec.loopback(0, List.of()).withOverrides(extra).withTls(tls));
      Address seed = Cluster.get(first.system()).selfMember().address();
      Cluster.get(first.system()).manager().tell(Join.create(seed));
      String seedHostPort = seed.getHost().get() + ":" + seed.getPort().get();
      for (int i = 1; i < size; i++) {
        c.add(NodeSpec.loopback(0, List.of(seedHostPort)).withOverrides(extra).withTls(tls));
      }
      c.awaitUp(size);
      return c;
    } catch (RuntimeException | InterruptedException | Error e) {
      c.close();
      throw e;
    }
  }

  private ActorTestKit add(NodeSpec spec) {
    Config testKit =
        ConfigFactory.parseString(
            "pekko.actor.testkit.typed.system-shutdown-default = 30s\n"
                + "pekko.actor.testkit.typed.throw-on-shutdown-timeout = off");
    ActorTestKit kit =
        ActorTestKit.create(
            ClusterConfig.SYSTEM_NAME, testKit.withFallback(ClusterConfig.system(spec)));
    nodes.add(kit);
    return kit;
  }

  private void awaitUp(int size) throws InterruptedException {
    long deadline = System.nanoTime() + UP.toNanos();
    while (true) {
      boolean all = true;
      for (ActorTestKit k : nodes) {
        long up = 0;
        for (var m : Cluster.get(k.system()).state().getMembers()) {
          if (m.status() == MemberStatus.up()) {
            up++;
          }
        }
        all &= up == size;
      }
      if (all) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the " + size + " nodes were not all Up within " + UP);
      }
      Thread.sleep(100);
    }
  }

  ActorSystem<Void> system(int i) {
    return nodes.get(i).system();
  }

  /** {@code ref}, an actor of node {@code owner}, as node {@code viewer} addresses it. */
  <T> ActorRef<T> ref(int owner, ActorRef<T> ref, int viewer) {
    String s = ActorRefResolver.get(system(owner)).toSerializationFormat(ref);
    return ActorRefResolver.get(system(viewer)).resolveActorRef(s);
  }

  /** Node {@code i}'s "host:port". */
  public String hostPort(int i) {
    Address a = Cluster.get(system(i)).selfMember().address();
    return a.getHost().get() + ":" + a.getPort().get();
  }

  @Override
  public void close() {
    for (int i = nodes.size() - 1; i >= 0; i--) {
      nodes.get(i).shutdownTestKit();
    }
    nodes.clear();
  }
}

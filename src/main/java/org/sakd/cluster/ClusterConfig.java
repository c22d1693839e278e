package org.sakd.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.util.ArrayList;
import java.util.List;

/**
 * The Pekko settings of a cluster node: cluster provider over Artery TCP (or TLS), Protobuf-only
 * serialization, the large-message lane for the ring all-reduce and blob transfers, a failure
 * detector that tolerates a busy machine, and the split-brain resolver.
 *
 * <p>Every node of one cluster must run an actor system named {@link #SYSTEM_NAME}.
 */
public final class ClusterConfig {

  /** The actor system name of every node (part of every node address). */
  public static final String SYSTEM_NAME = "sakd";

  /**
   * The largest frame on the large-message lane, envelope included. {@link RingAllReduce} and
   * {@link Blobs} keep each message's payload 1 KiB below it, which leaves room for the envelope
   * (recipient path, manifest, header fields); Artery drops anything bigger with an ERROR naming
   * the message class ("Failed to serialize oversized message").
   */
  public static final int MAX_LARGE_FRAME_BYTES = 1 << 20;

  /**
   * Recipients whose messages travel on Artery's large-message lane, so that 1 MiB chunks do not
   * queue in front of heartbeats and small messages on the ordinary lane (whose frames stay at the
   * 256 KiB default). Spawn the ring actor under the name {@link RingAllReduce#NAME} ("ring") and a
   * blob receiver under {@link Blobs#RECEIVER_NAME} ("blobs"), as a child of the user guardian or
   * one or two levels below it. Artery's patterns match whole path elements ("*" = any one name),
   * so the ring's {@code credits} child ({@code /user/ring/credits}) stays on the ordinary lane. To
   * add paths, append to this list in {@link NodeSpec#overrides} (HOCON lists replace).
   */
  public static final List<String> LARGE_MESSAGE_DESTINATIONS =
      List.of(
          "/user/ring",
          "/user/*/ring",
          "/user/*/*/ring",
          "/user/blobs",
          "/user/*/blobs",
          "/user/*/*/blobs");

  private ClusterConfig() {}

  /**
   * This node's cluster settings alone, to put in front of the application's own (logging,
   * dispatchers) and {@code ConfigFactory.load()}: {@code
   * ClusterConfig.node(spec).withFallback(mine).withFallback(ConfigFactory.load())}.
   */
  public static Config node(NodeSpec spec) {
    Config fixed =
        ConfigFactory.parseString(
            String.join(
                "\n",
                "pekko.actor.provider = cluster",
                // every cross-JVM message is a Protobuf message: pekko-remote's reference.conf
                // already binds com.google.protobuf.GeneratedMessage (protobuf-java 4) to its
                // "proto" serializer, so nothing is added here; Java serialization stays off.
                "pekko.actor.allow-java-serialization = off",
                "pekko.actor.warn-about-java-serializer-usage = on",
                "pekko.remote.artery.enabled = on",
                "pekko.remote.artery.advanced.maximum-frame-size = 256 KiB",
                "pekko.remote.artery.advanced.maximum-large-frame-size = "
                    + MAX_LARGE_FRAME_BYTES
                    + "b",
                // the ring keeps a few chunks in flight per link and blob senders should too; the
                // queue bounds what a careless sender can park in Artery (256 x 1 MiB)
                "pekko.remote.artery.advanced.outbound-large-message-queue-size = 256",
                // the largest size seen of each message type above 512 KiB is logged ("Payload
                // size for [type] is [n] bytes", INFO, logger
                // org.apache.pekko.remote.artery.LoggingRemoteInstrument: our logback.xml keeps
                // Pekko at WARN, raise that logger to see them); a message over a lane's frame
                // size is dropped with an ERROR naming its type, whatever this says
                "pekko.remote.artery.log-frame-size-exceeding = 512 KiB",
                // Failure detector: libtorch's compute threads and 40 MB gradient arrays on a
                // 2-core machine can hold off heartbeats (sent every 1 s) for seconds; the default
                // 3 s pause marked healthy trainers unreachable. Notice comes about 1.6-2.3 s after
                // the pause (phi accrual on 1 s heartbeats, the reaper's 1 s tick): 10 s noticed a
                // SIGKILLed trainer after 11.6-12.3 s, 7 s keeps that within issue 12's 10 s.
                "pekko.cluster.failure-detector.acceptable-heartbeat-pause = 7 s",
                "pekko.cluster.failure-detector.threshold = 12.0",
                // Split-brain resolver: keep-oldest. The oldest member is the first node up, the
                // coordinator (the seed, started first), without which a run cannot go on; its side
                // of a partition survives, and with down-if-alone = off it survives even alone:
                // the lone survivor of a 2-node cluster (coordinator + one trainer) is not downed,
                // and trainers cut off from the coordinator down themselves. keep-majority would
                // pick by address on a 1-1 split and could down the coordinator; static-quorum
                // cannot both keep a lone survivor and avoid two clusters.
                "pekko.cluster.downing-provider-class ="
                    + " \"org.apache.pekko.cluster.sbr.SplitBrainResolverProvider\"",
                "pekko.cluster.split-brain-resolver.active-strategy = keep-oldest",
                "pekko.cluster.split-brain-resolver.keep-oldest.down-if-alone = off",
                "pekko.cluster.split-brain-resolver.stable-after = 10 s",
                // several nodes in one JVM (tests, the bench) each register their own MBean
                "pekko.cluster.jmx.multi-mbeans-in-same-jvm = on"));
    Config c =
        fixed
            .withValue(
                "pekko.remote.artery.transport",
                ConfigValueFactory.fromAnyRef(spec.tls() == null ? "tcp" : "tls-tcp"))
            .withValue("pekko.remote.artery.canonical.hostname", str(spec.host()))
            .withValue(
                "pekko.remote.artery.canonical.port", ConfigValueFactory.fromAnyRef(spec.port()))
            .withValue(
                "pekko.remote.artery.large-message-destinations",
                ConfigValueFactory.fromIterable(LARGE_MESSAGE_DESTINATIONS))
            .withValue(
                "pekko.cluster.seed-nodes",
                ConfigValueFactory.fromIterable(seedAddresses(spec.seedNodes())))
            .withValue("pekko.cluster.roles", ConfigValueFactory.fromIterable(spec.roles()));
    if (spec.tls() != null) {
      NodeSpec.Tls t = spec.tls();
      String p = "pekko.remote.artery.ssl.config-ssl-engine.";
      c =
          c.withValue(p + "key-store", str(t.keyStore().toAbsolutePath().toString()))
              .withValue(p + "key-store-password", str(t.keyStorePassword()))
              .withValue(p + "key-password", str(t.keyPassword()))
              .withValue(p + "trust-store", str(t.trustStore().toAbsolutePath().toString()))
              .withValue(p + "trust-store-password", str(t.trustStorePassword()));
    }
    if (!spec.overrides().isBlank()) {
      c = ConfigFactory.parseString(spec.overrides()).withFallback(c);
    }
    return c;
  }

  /**
   * {@link #node} over SLF4J logging (WARNING and up from Pekko), no JVM exit on shutdown, and
   * {@code ConfigFactory.load()}: ready for {@code ActorSystem.create(guardian, SYSTEM_NAME, …)}.
   */
  public static Config system(NodeSpec spec) {
    Config logging =
        ConfigFactory.parseString(
            String.join(
                "\n",
                "pekko.loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]",
                "pekko.logging-filter = \"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"",
                "pekko.loglevel = WARNING",
                "pekko.stdout-loglevel = OFF",
                "pekko.coordinated-shutdown.exit-jvm = off"));
    return node(spec).withFallback(logging).withFallback(ConfigFactory.load()).resolve();
  }

  /** {@code host:port} → {@code pekko://sakd@host:port}; full addresses pass unchanged. */
  static List<String> seedAddresses(List<String> seeds) {
    List<String> out = new ArrayList<>();
    for (String s : seeds) {
      String t = s.trim();
      if (t.startsWith("pekko://")) {
        out.add(t);
      } else if (t.matches("[^:/@\\s]+:\\d{1,5}")) {
        out.add("pekko://" + SYSTEM_NAME + "@" + t);
      } else {
        throw new IllegalArgumentException(
            "seed node '"
                + s
                + "' is neither host:port nor a pekko://"
                + SYSTEM_NAME
                + "@host:port address");
      }
    }
    return out;
  }

  private static com.typesafe.config.ConfigValue str(String s) {
    return ConfigValueFactory.fromAnyRef(s);
  }
}

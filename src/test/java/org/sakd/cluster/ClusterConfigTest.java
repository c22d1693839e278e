package org.sakd.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.typesafe.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.sakd.proto.BlobChunk;

@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ClusterConfigTest {
  private LoopbackCluster cluster;

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aNodeIsAProtobufOnlyClusterMemberWithTheLargeLaneAndKeepOldest() {
    NodeSpec spec =
        new NodeSpec("10.0.0.7", 25520, List.of("10.0.0.1:25520"), List.of("trainer"), null, "");
    Config c = ClusterConfig.system(spec);
    assertEquals("cluster", c.getString("pekko.actor.provider"));
    assertEquals("tcp", c.getString("pekko.remote.artery.transport"));
    assertEquals("10.0.0.7", c.getString("pekko.remote.artery.canonical.hostname"));
    assertEquals(25520, c.getInt("pekko.remote.artery.canonical.port"));
    assertEquals(
        List.of("pekko://sakd@10.0.0.1:25520"), c.getStringList("pekko.cluster.seed-nodes"));
    assertEquals(List.of("trainer"), c.getStringList("pekko.cluster.roles"));
    assertEquals(false, c.getBoolean("pekko.actor.allow-java-serialization"));
    // pekko-remote binds protobuf-java 4's base class to its proto serializer; we rely on it
    assertEquals(
        "proto",
        c.getConfig("pekko.actor.serialization-bindings")
            .getString("\"com.google.protobuf.GeneratedMessage\""));
    assertEquals(
        ClusterConfig.LARGE_MESSAGE_DESTINATIONS,
        c.getStringList("pekko.remote.artery.large-message-destinations"));
    assertEquals(1 << 20, c.getBytes("pekko.remote.artery.advanced.maximum-large-frame-size"));
    assertEquals(
        "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider",
        c.getString("pekko.cluster.downing-provider-class"));
    assertEquals("keep-oldest", c.getString("pekko.cluster.split-brain-resolver.active-strategy"));
    assertEquals(
        false, c.getBoolean("pekko.cluster.split-brain-resolver.keep-oldest.down-if-alone"));
    assertEquals(
        Duration.ofSeconds(7),
        c.getDuration("pekko.cluster.failure-detector.acceptable-heartbeat-pause"));
  }

  @Test
  void overridesWinAndBadSeedsAreNamed() {
    Config c =
        ClusterConfig.node(
            NodeSpec.loopback(0, List.of("pekko://sakd@127.0.0.1:2552"))
                .withOverrides("pekko.remote.artery.bind.hostname = \"0.0.0.0\""));
    assertEquals("0.0.0.0", c.getString("pekko.remote.artery.bind.hostname"));
    assertEquals(
        List.of("pekko://sakd@127.0.0.1:2552"), c.getStringList("pekko.cluster.seed-nodes"));
    var e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ClusterConfig.node(NodeSpec.loopback(0, List.of("127.0.0.1"))));
    assertEquals(
        "seed node '127.0.0.1' is neither host:port nor a pekko://sakd@host:port address",
        e.getMessage());
  }

  private static ActorRef<Object> receiver(LoopbackCluster c, TestProbe<byte[]> done) {
    ActorRef<Object> local =
        c.nodes
            .get(1)
            .spawn(
                Behaviors.receive(Object.class)
                    .onMessage(
                        BlobChunk.class,
                        m -> {
                          done.getRef().tell(m.getData().toByteArray());
                          return Behaviors.same();
                        })
                    .build(),
                Blobs.RECEIVER_NAME);
    return c.ref(1, local, 0);
  }

  @Test
  void aMessageOverTheOneMiBFrameIsDroppedAndTheNextArrives() throws Exception {
    cluster = LoopbackCluster.start(2, "");
    TestProbe<byte[]> done = cluster.nodes.get(1).createTestProbe();
    ActorRef<Object> remote = receiver(cluster, done);
    // Artery logs "Failed to serialize oversized message [org.sakd.proto.BlobChunk]" (ERROR)
    remote.tell(
        BlobChunk.newBuilder()
            .setTransferId("too-big")
            .setData(com.google.protobuf.ByteString.copyFrom(new byte[(1 << 20) + 1]))
            .build());
    byte[] small = {1, 2, 3};
    remote.tell(
        BlobChunk.newBuilder()
            .setTransferId("fits")
            .setData(com.google.protobuf.ByteString.copyFrom(small))
            .build());
    assertArrayEquals(small, done.receiveMessage(Duration.ofSeconds(60)));
  }

  @Test
  void twoNodesFormAClusterOverTls(@TempDir Path dir) throws Exception {
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    assumeTrue(Files.isExecutable(keytool), "no keytool in this JDK");
    Path store = dir.resolve("node.p12");
    Process p =
        new ProcessBuilder(
                keytool.toString(),
                "-genkeypair",
                "-alias",
                "node",
                "-keyalg",
                "EC",
                "-groupname",
                "secp256r1",
                "-dname",
                "CN=127.0.0.1",
                "-ext",
                "SAN=IP:127.0.0.1",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString(),
                "-storepass",
                "sakd-test",
                "-keypass",
                "sakd-test")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(true, p.waitFor(60, TimeUnit.SECONDS), "keytool did not finish");
    assertEquals(0, p.exitValue(), out);
    // one self-signed key for both nodes: it is also the only certificate they trust
    NodeSpec.Tls tls = new NodeSpec.Tls(store, "sakd-test", "sakd-test", store, "sakd-test");
    cluster = LoopbackCluster.start(2, "", tls);
    assertEquals(
        "tls-tcp",
        cluster.system(1).settings().config().getString("pekko.remote.artery.transport"));
    TestProbe<byte[]> done = cluster.nodes.get(1).createTestProbe();
    byte[] blob = new byte[1_500_000];
    new java.util.Random(5).nextBytes(blob);
    ActorRef<Object> remote = receiver(cluster, done);
    for (BlobChunk c : Blobs.split("over-tls", blob)) {
      remote.tell(c);
    }
    java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();
    for (int i = 0; i < 2; i++) {
      got.write(done.receiveMessage(Duration.ofSeconds(60)));
    }
    assertArrayEquals(blob, got.toByteArray());
  }
}

package org.sakd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * {@code sakd node}'s layout: --print-layout lists decoder nodes for launch-cluster, and a bad
 * cluster.decoders or decoder index ends with exit code 2 naming the key.
 */
class NodeLayoutTest {
  private static final String TRAINERS =
      "cluster.trainers=[\"127.0.0.1:25521/cpu\", \"127.0.0.1:25522/cpu\"]";

  private static CliCapture.Outcome printLayout(String decoders) {
    return CliCapture.sakd(
        "node", "--print-layout", "--set", TRAINERS, "--set", "cluster.decoders=" + decoders);
  }

  @Test
  void printLayoutListsDecoderNodes() {
    CliCapture.Outcome o = printLayout("[\"127.0.0.1:25531/1\"]");
    assertEquals(0, o.code(), o.err());
    assertTrue(o.out().contains("trainer 1 127.0.0.1:25522/cpu\n"), o.out());
    assertTrue(o.out().contains("decoder 0 127.0.0.1:25531/1\n"), o.out());
  }

  @Test
  void aBadDecoderEntryOrIndexIsExitCodeTwoNamingTheKey() {
    CliCapture.Outcome bad = printLayout("[\"127.0.0.1:25531/7\"]");
    assertEquals(2, bad.code(), bad.out());
    assertTrue(bad.err().contains("cluster.decoders"), bad.err());
    CliCapture.Outcome index =
        CliCapture.sakd("node", "--role", "decoder", "--index", "0", "--set", TRAINERS);
    assertEquals(2, index.code(), index.out());
    assertTrue(
        index.err().contains("--index") && index.err().contains("cluster.decoders"), index.err());
  }
}

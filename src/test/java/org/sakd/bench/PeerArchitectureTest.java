package org.sakd.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ai.djl.ndarray.NDManager;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.sakd.model.ModelInfo;
import org.sakd.train.Network;

/**
 * The PyTorch program of {@code scripts/bench peer} builds the same networks as the registry: equal
 * parameter counts and every trainable parameter's shape equal, in order. Skipped where no Python
 * here imports torch (the bench's venv, else Debian's python3-torch).
 */
class PeerArchitectureTest {

  private static String python() {
    for (String p : List.of("target/peer-venv/bin/python", "/usr/bin/python3")) {
      if (!Files.isExecutable(Path.of(p))) {
        continue;
      }
      try {
        Process proc = new ProcessBuilder(p, "-c", "import torch").start();
        if (proc.waitFor(60, TimeUnit.SECONDS) && proc.exitValue() == 0) {
          return p;
        }
        proc.destroyForcibly();
      } catch (Exception e) {
        // not this one
      }
    }
    return null;
  }

  @ParameterizedTest
  @CsvSource({"r3d-tiny, r3d-micro", "r3d18-w0.5, r3d10-w0.25", "r3d34, r3d18"})
  void torchKdBuildsTheRegistrysNetworks(String teacher, String student) throws Exception {
    String python = python();
    assumeTrue(python != null, "no Python with torch here");
    Process p =
        new ProcessBuilder(
                python,
                "bench/peer/torch_kd.py",
                "--params-only",
                "--classes",
                "10",
                "--teacher",
                teacher,
                "--student",
                student)
            .redirectError(ProcessBuilder.Redirect.INHERIT)
            .start();
    Map<String, String> out = new HashMap<>();
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        int eq = line.indexOf('=');
        if (eq > 0) {
          out.put(line.substring(0, eq), line.substring(eq + 1));
        }
      }
    }
    assertEquals(0, p.waitFor());
    try (NDManager m = NDManager.newBaseManager()) {
      for (String[] role : new String[][] {{"teacher", teacher}, {"student", student}}) {
        try (Network n = Network.create(role[1], 10, m, 1)) {
          assertEquals(
              Long.toString(ModelInfo.parameterCount(n.block())),
              out.get(role[0] + "_params"),
              role[1] + " parameter count");
          assertEquals(PeerBenchmark.shapes(n), out.get(role[0] + "_shapes"), role[1] + " shapes");
        }
      }
    }
  }
}

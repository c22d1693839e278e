package org.sakd.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How {@link PeerBenchmark} turns interleaved rounds into one table and one ratio per round. */
class PeerRoundsTest {

  private static PeerBenchmark.Rate rate(double clipsPerSecond, double... epochs) {
    List<Double> per = new java.util.ArrayList<>();
    for (double e : epochs) {
      per.add(e);
    }
    return new PeerBenchmark.Rate(clipsPerSecond, per, 1.0, Map.of("compute", 1.0));
  }

  @Test
  void roundsPoolIntoMeanRatesAndEveryEpoch() {
    PeerBenchmark.Rate pooled =
        PeerBenchmark.Rate.pool(List.of(rate(100, 90, 110), rate(140, 130, 150)));
    assertEquals(120, pooled.clipsPerSecond(), 1e-9);
    assertEquals(List.of(90.0, 110.0, 130.0, 150.0), pooled.epochs());
    assertEquals(1.0, pooled.byThread().get("compute"), 1e-9);
  }

  @Test
  void thePeersRoundsPoolTheirRatesAndKeepTheirOtherLines() {
    Map<String, String> pooled =
        PeerBenchmark.poolPeer(
            List.of(
                Map.of(
                    "torch_version", "2.13.0",
                    "whole_loop_clips_per_s", "100",
                    "whole_loop_epochs", "99,101"),
                Map.of(
                    "torch_version", "2.13.0",
                    "whole_loop_clips_per_s", "200",
                    "whole_loop_epochs", "199,201")));
    assertEquals(150, Double.parseDouble(pooled.get("whole_loop_clips_per_s")), 1e-9);
    assertEquals("99,101,199,201", pooled.get("whole_loop_epochs"));
    assertEquals("2.13.0", pooled.get("torch_version"));
    Map<String, String> missing =
        PeerBenchmark.poolPeer(
            List.of(Map.of("whole_loop_clips_per_s", "1"), Map.of("missing", "exit 1")));
    assertEquals("exit 1", missing.get("missing"));
  }

  @Test
  void eachRoundHasItsOwnRatioAndTheMedianSummarisesThem() {
    Map<String, String> p1 = Map.of("whole_loop_clips_per_s", "100", "compute_clips_per_s", "200");
    Map<String, String> p2 = Map.of("whole_loop_clips_per_s", "50", "compute_clips_per_s", "100");
    Map<String, String> p3 = Map.of("whole_loop_clips_per_s", "100", "compute_clips_per_s", "100");
    Map<String, List<Double>> r =
        PeerBenchmark.roundRatios(
            List.of(rate(80), rate(45), rate(70)),
            List.of(rate(180), rate(95), rate(90)),
            List.of(rate(150), rate(80), rate(160)),
            List.of(p1, p2, p3));
    assertEquals(List.of(0.8, 0.9, 0.7), r.get("whole_loop"));
    assertEquals(List.of(0.9, 0.95, 0.9), r.get("compute"));
    assertEquals(List.of(1.5, 1.6, 1.6), r.get("cached_vs_torch_whole_loop"));
    assertEquals(0.8, Stats.median(r.get("whole_loop")), 1e-12);
    assertEquals(0.85, Stats.median(List.of(0.9, 0.8)), 1e-12);
    assertTrue(Double.isNaN(Stats.median(List.of())));
    assertEquals(0.85, Stats.mean(List.of(0.9, 0.8)), 1e-12);
    assertEquals("0.90, 0.80", Stats.twoDecimals(List.of(0.9, 0.8)));
    String line = PeerBenchmark.roundsLine(r, 3);
    assertTrue(line.contains("(a) whole loop: median 0.80; rounds 0.80, 0.90, 0.70"), line);
    assertEquals("", PeerBenchmark.roundsLine(r, 1));
    assertTrue(
        PeerBenchmark.roundRatios(
                List.of(rate(1)),
                List.of(rate(1)),
                List.of(rate(1)),
                List.of(Map.of("missing", "x")))
            .isEmpty());
  }
}

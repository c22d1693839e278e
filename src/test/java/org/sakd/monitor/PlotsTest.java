package org.sakd.monitor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotsTest {
  @TempDir Path dir;

  @Test
  void aPerClassPlotOfUcf101GivesEveryClassItsOwnColumn() throws Exception {
    List<String> classes = new ArrayList<>();
    for (int i = 0; i < 101; i++) {
      classes.add("Class" + i);
    }
    Map<String, double[]> series = new LinkedHashMap<>();
    for (String epoch : List.of("epoch-001", "epoch-015", "epoch-030")) {
      series.put(epoch, new double[101]);
    }
    Path f = dir.resolve("per-class.png");
    Plots.bars(f, "Selected samples per class", "class", "selected", classes, series);
    BufferedImage img = ImageIO.read(f.toFile());
    // three bars of ≥ 5 px per class, names turned upright below them
    assertTrue(img.getWidth() >= 101 * 15, "width " + img.getWidth());
    assertEquals(640, img.getHeight());
  }

  @Test
  void referenceLinesAreDrawnAcrossTheCurves() throws Exception {
    Path f = dir.resolve("accuracy.png");
    Plots.lines(
        f,
        "Top-1",
        "epoch",
        "Top-1 (%)",
        List.of(new Plots.Series("kd", new double[] {1, 2, 3}, new double[] {10, 20, 30})),
        List.of(
            new Plots.Reference("teacher (best)", 80), new Plots.Reference("not run", Double.NaN)));
    BufferedImage img = ImageIO.read(f.toFile());
    assertEquals(720, img.getWidth());
  }
}

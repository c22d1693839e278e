package org.sakd.pipeline;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigRenderOptions;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import org.sakd.config.Settings;
import org.sakd.data.DatasetIndex;
import org.sakd.proto.TrainerHello;
import org.sakd.train.Network;

/**
 * What a trainer node and the coordinator must agree on before the first step: the student's model
 * and parameter layout, the data index, the settings that decide what the run computes, and the
 * teacher. Compared field by field by {@link TrainerRoster}.
 */
final class NodeIdentity {
  private NodeIdentity() {}

  /**
   * Keys that do not change what a run computes, only where and how it runs: left out of the run's
   * hash (a node may decode with other thread counts or read the data from another mount).
   */
  private static final List<String> WHERE_KEYS =
      List.of(
          "cluster",
          "run",
          "monitor",
          "data.root",
          "data.decoders",
          "data.clip-cache-mb",
          "train.devices",
          "train.compute-threads");

  static TrainerHello of(
      Settings s,
      DatasetIndex index,
      String teacherModel,
      byte[] teacherParameters,
      Network student,
      String device,
      int entry) {
    StringBuilder layout = new StringBuilder();
    for (var p : student.trainable()) {
      layout.append(p.getKey()).append(':').append(p.getValue().getArray().getShape()).append(';');
    }
    return TrainerHello.newBuilder()
        .setModel(s.model().student())
        .setLayout(sha256(layout.toString().getBytes(StandardCharsets.UTF_8)))
        .setDataIndex(index.fingerprint())
        .setRun(runHash(s))
        .setTeacher(
            teacherModel
                + (teacherParameters == null
                    ? ""
                    : " " + sha256(teacherParameters).substring(0, 12)))
        .setDevice(device)
        .setIndex(entry)
        .build();
  }

  /** SHA-256 of the settings that decide what a run computes (rendered with sorted keys). */
  static String runHash(Settings s) {
    Config c = s.raw();
    for (String k : WHERE_KEYS) {
      c = c.withoutPath(k);
    }
    String text = c.root().render(ConfigRenderOptions.concise());
    return sha256(text.getBytes(StandardCharsets.UTF_8));
  }

  static String sha256(byte[] data) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}

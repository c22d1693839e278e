package org.sakd.pipeline;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.sakd.checkpoint.CheckpointStore;
import org.sakd.checkpoint.Checkpoints;
import org.sakd.config.Settings;
import org.sakd.data.Sample;
import org.sakd.monitor.Csv;
import org.sakd.proto.SelectionStateProto;
import org.sakd.train.EpochRecord;
import org.sakd.train.LrSchedule;
import org.sakd.train.NativeHeap;

/**
 * What a distillation run leaves in its folder: the checkpoint it resumes from, last.ckpt and
 * best.ckpt (the checkpoint policy), metrics.csv and events.jsonl, and one selection file (and
 * {@code selection} event) per selection epoch. Every method does blocking file I/O: the
 * coordinator calls them on the blocking dispatcher.
 */
final class RunRecorder {
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(RunRecorder.class);

  private final RunSpec spec;
  private final Settings s;
  private final LrSchedule lr;

  RunRecorder(RunSpec spec) {
    this.spec = spec;
    this.s = spec.settings();
    this.lr = LrSchedule.of(s.train());
  }

  /**
   * Where a resumed run continues: the epoch after the checkpoint's, its history, subset and α, the
   * students' state and the selector's (null when the checkpoint holds none).
   */
  record Resume(
      int epoch,
      List<EpochRecord> history,
      int[] subset,
      float[] alpha,
      TrainerActor.State state,
      SelectionStateProto selection) {}

  /** The last checkpoint, decoded, when the run resumes (and has one). */
  Optional<Resume> resumePoint() {
    if (!spec.resume()) {
      return Optional.empty();
    }
    return spec.store()
        .load(CheckpointStore.LAST)
        .map(
            last -> {
              spec.log().event("resume", Map.of("after_epoch", last.getEpoch()));
              SelectionStateProto sel = last.getSelection();
              return new Resume(
                  last.getEpoch() + 1,
                  Checkpoints.history(last),
                  sel.getSubsetCount() > 0
                      ? sel.getSubsetList().stream().mapToInt(Integer::intValue).toArray()
                      : null,
                  sel.getAlphaCount() > 0 ? Checkpoints.floats(sel.getAlphaList()) : null,
                  new TrainerActor.State(
                      last.getParameters().toByteArray(),
                      last.getExtras().toByteArray(),
                      Checkpoints.tensors(last.getOptimizerList()),
                      Double.NaN),
                  last.hasSelection() ? sel : null);
            });
  }

  /**
   * Saves the epoch's checkpoint: last.ckpt every train.checkpoint-every epochs and at the end,
   * best.ckpt when its Top-1 beats every earlier epoch's. {@code history} ends with {@code rec}.
   */
  void checkpoint(
      EpochRecord rec,
      List<EpochRecord> history,
      TrainerActor.State state,
      SelectionStateProto selection) {
    org.sakd.proto.CheckpointProto c =
        Checkpoints.build(
            rec.epoch(),
            spec.studentName(),
            state.student(),
            state.extras(),
            state.optimizer(),
            selection,
            s.run().seed(),
            history,
            s.render());
    c =
        Checkpoints.withData(
            c,
            spec.classNames(),
            s.data().clip(),
            org.sakd.data.DatasetIndex.fingerprint(spec.classNames(), spec.train(), spec.test()));
    if ((rec.epoch() + 1) % s.train().checkpointEvery() == 0
        || rec.epoch() + 1 == s.train().epochs()) {
      spec.store().save(CheckpointStore.LAST, c);
    }
    double best =
        history.subList(0, history.size() - 1).stream()
            .mapToDouble(EpochRecord::top1)
            .max()
            .orElse(-1);
    if (rec.top1() > best) {
      spec.store().save(CheckpointStore.BEST, c);
    }
  }

  /**
   * selection/epoch-NNN.csv (NNN 1-based, as the log lines count): every training sample's d, α and
   * whether it was selected.
   */
  void selection(int epoch, SelectorActor.Selection sel) {
    boolean[] chosen = new boolean[spec.train().size()];
    for (int id : sel.selected()) {
      chosen[id] = true;
    }
    StringBuilder sb =
        new StringBuilder(Csv.row(List.of("id", "sample", "label", "d", "alpha", "selected")));
    for (Sample smp : spec.train()) {
      int i = smp.index();
      List<Object> row = new ArrayList<>();
      row.add(i);
      row.add(smp.id());
      row.add(smp.label());
      row.add(sel.difficulty()[i]);
      row.add((double) sel.alpha()[i]);
      row.add(chosen[i] ? 1 : 0);
      sb.append(Csv.row(row));
    }
    spec.log()
        .write(String.format(Locale.ROOT, "selection/epoch-%03d.csv", epoch + 1), sb.toString());
    // the subset's make-up, for the dashboard (the file above holds the detail)
    int[] perLabel = new int[spec.classes()];
    for (Sample smp : spec.train()) {
      if (chosen[smp.index()]) {
        perLabel[smp.label()]++;
      }
    }
    Map<String, Object> perClass = new java.util.LinkedHashMap<>();
    for (int c = 0; c < perLabel.length; c++) {
      perClass.put(spec.classNames().get(c), perLabel[c]);
    }
    Map<String, Object> event = new java.util.LinkedHashMap<>();
    event.put("epoch", epoch + 1);
    event.put("size", sel.selected().length);
    event.put("per_class", perClass);
    spec.log().event("selection", event);
  }

  /** The epoch's metrics row, its event and its log line. */
  void report(EpochRecord r) {
    // once per epoch, before rss_mb is read (NativeHeap says why not a fixed mmap threshold)
    NativeHeap.trim();
    String mode = spec.supervised() ? "supervised" : s.distill().mode().configName();
    Map<String, Object> row = r.metricsRow(mode, lr.lr(r.epoch()));
    spec.log().metrics(row);
    spec.log().event("epoch", row);
    LOG.info(
        String.format(
            Locale.ROOT,
            "%s epoch %d/%d%s  trained %d  loss %.4f  top1 %.2f  top5 %.2f  %.1fs (score %.1fs)%s",
            mode,
            r.epoch() + 1,
            s.train().epochs(),
            r.selectionEpoch() ? " [select]" : "",
            r.trainedSamples(),
            r.trainLoss(),
            r.top1(),
            r.top5(),
            r.epochSeconds(),
            r.scoreSeconds(),
            r.selectionEpoch() && Double.isFinite(r.meanAlpha())
                ? String.format(Locale.ROOT, "  mean alpha of the selected %.3f", r.meanAlpha())
                : ""));
  }

  void failed(Throwable cause) {
    LOG.error("run failed: {}", cause.toString());
    spec.log().event("failed", Map.of("error", cause.toString()));
  }
}

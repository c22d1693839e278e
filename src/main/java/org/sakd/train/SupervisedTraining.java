package org.sakd.train;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.sakd.checkpoint.CheckpointStore;
import org.sakd.config.Settings;
import org.sakd.data.ClipSource;
import org.sakd.data.DatasetIndex;
import org.sakd.data.Sample;
import org.sakd.monitor.Progress;
import org.sakd.monitor.RunLog;
import org.sakd.proto.CheckpointProto;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cross-entropy training of one registered network (the "Teacher" and "Student alone" rows): SGD
 * with momentum and weight decay, warm-up + cosine/step LR, seeded shuffling and clip sampling,
 * checkpoints {@code last} and {@code best} every epoch, resumable.
 */
public final class SupervisedTraining {
  private static final Logger LOG = LoggerFactory.getLogger(SupervisedTraining.class);

  public record Result(
      String model,
      double top1,
      double top5,
      long testSamples,
      int epochs,
      double secondsPerEpoch,
      double totalSeconds,
      Map<String, String> skipped,
      Path bestCheckpoint,
      double bestTop1) {}

  private SupervisedTraining() {}

  /**
   * @param init parameters to start from (a pre-trained network), or null for a fresh
   *     initialisation.
   */
  public static Result run(
      Settings s,
      DatasetIndex index,
      ClipSource source,
      String modelName,
      byte[] init,
      Path runDir,
      boolean resume) {
    RunLog log = new RunLog(runDir);
    log.write("config.conf", s.render());
    CheckpointStore store = new CheckpointStore(runDir.resolve("checkpoints"));
    // training clips are re-drawn every epoch (augmentation), so only the test clips are worth
    // caching
    ClipLoader loader = new ClipLoader(source);
    ClipLoader testLoader = new ClipLoader(source, (long) s.data().clipCacheMb() << 20);
    Settings.Train t = s.train();
    LrSchedule schedule = LrSchedule.of(t);
    ExecutorService pool =
        Executors.newFixedThreadPool(
            s.data().decoders(),
            r -> {
              Thread th = new Thread(r, "decoder");
              th.setDaemon(true);
              return th;
            });
    try (NDManager root = NDManager.newBaseManager(Devices.primary(s, "training " + modelName));
        Network net = Network.create(modelName, index.classes().size(), root, s.run().seed());
        SgdOptimizer opt =
            new SgdOptimizer(net.trainable(), t.momentum(), t.weightDecay(), t.nesterov(), root)) {
      LOG.info(
          "{}: {} parameters, {} train / {} test clips, {} classes",
          modelName,
          org.sakd.model.ModelInfo.parameterCount(net.block()),
          index.train().size(),
          index.test().size(),
          index.classes().size());
      if (init != null) {
        LOG.info("{}: {}", modelName, net.loadStudentInit(init, s.model().studentInit()));
      }
      org.sakd.model.ModelInfo.checkForward(net.block(), net.manager(), 1);
      int startEpoch = 0;
      double best = -1;
      List<EpochRecord> history = new ArrayList<>();
      if (resume) {
        var last = store.load(CheckpointStore.LAST);
        if (last.isPresent()) {
          CheckpointProto c = last.get();
          net.loadParameterBytes(c.getParameters().toByteArray());
          opt.restore(org.sakd.checkpoint.Checkpoints.tensors(c.getOptimizerList()));
          startEpoch = c.getEpoch() + 1;
          best = c.getBestTop1();
          history.addAll(org.sakd.checkpoint.Checkpoints.history(c));
          LOG.info("resumed {} after epoch {}", runDir, c.getEpoch());
        }
      }
      double trainSeconds = 0;
      Evaluation.Result eval = null;
      for (int epoch = startEpoch; epoch < t.epochs(); epoch++) {
        long t0 = System.nanoTime();
        List<Sample> order = new ArrayList<>(index.train());
        Collections.shuffle(order, new Random(ClipLoader.clipSeed(s.run().seed(), epoch, -1)));
        BatchPrefetcher batches =
            new BatchPrefetcher(order, t.batchSize(), loader, pool, true, s.run().seed(), epoch, 2);
        int nb = batches.batchCount();
        double lossSum = 0;
        int lossCount = 0;
        int trained = 0;
        try (Progress bar =
            new Progress(
                "train " + modelName + " " + (epoch + 1) + "/" + t.epochs(), order.size())) {
          BatchPrefetcher.Loaded carry = null;
          for (int b = 0; b < nb; b++) {
            BatchPrefetcher.Loaded batch = batches.next();
            if (carry != null) {
              batch = BatchPrefetcher.Loaded.concat(carry, batch);
              carry = null;
            }
            // batch norm cannot train on a single clip: carry it into the next batch (or drop the
            // lone last one,
            // which is logged and counted in skipped-steps)
            if (batch.clips().size() < 2) {
              if (b + 1 < nb) {
                carry = batch;
              } else if (!batch.clips().isEmpty()) {
                LOG.warn(
                    "epoch {}: the last batch holds a single clip ({}), which batch norm cannot train on; "
                        + "not trained this epoch",
                    epoch,
                    batch.samples().get(0).id());
              }
              continue;
            }
            double lr = schedule.lr(epoch + (double) b / nb);
            double loss = step(net, opt, batch.clips(), batch.labels(), lr);
            lossSum += loss;
            lossCount++;
            trained += batch.clips().size();
            bar.step(batch.clips().size(), loss);
          }
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        trainSeconds += seconds;
        eval =
            Evaluation.run(
                net, index.test(), testLoader, pool, s.eval().batchSize(), 2, s.eval().views());
        double meanLoss = lossCount == 0 ? Double.NaN : lossSum / lossCount;
        LOG.info(
            String.format(
                java.util.Locale.ROOT,
                "%s epoch %d/%d  loss %.4f  top1 %.2f  top5 %.2f  %.1fs",
                modelName,
                epoch + 1,
                t.epochs(),
                meanLoss,
                eval.top1(),
                eval.top5(),
                seconds));
        EpochRecord rec =
            new EpochRecord(
                epoch,
                false,
                trained,
                meanLoss,
                eval.top1(),
                eval.top5(),
                0,
                seconds,
                0,
                Double.NaN);
        Map<String, Object> row = rec.metricsRow("supervised", schedule.lr(epoch));
        log.metrics(row);
        log.event("epoch", row);
        history.add(rec);
        CheckpointProto c =
            org.sakd.checkpoint.Checkpoints.build(
                epoch,
                modelName,
                net.parameterBytes(),
                new byte[0],
                opt.state(),
                null,
                s.run().seed(),
                history,
                s.render());
        if (eval.top1() > best) {
          best = eval.top1();
          store.save(CheckpointStore.BEST, c);
        }
        if ((epoch + 1) % t.checkpointEvery() == 0 || epoch + 1 == t.epochs()) {
          store.save(CheckpointStore.LAST, c);
        }
      }
      if (eval == null) {
        eval =
            Evaluation.run(
                net, index.test(), testLoader, pool, s.eval().batchSize(), 2, s.eval().views());
      }
      Map<String, String> skipped = new java.util.TreeMap<>(loader.failures());
      skipped.putAll(testLoader.failures());
      log.writeSkipped(skipped);
      if (!skipped.isEmpty()) {
        LOG.warn(
            "{} clips could not be decoded and were skipped; see {}",
            skipped.size(),
            runDir.resolve("skipped.tsv"));
      }
      int ran = t.epochs() - startEpoch;
      return new Result(
          modelName,
          eval.top1(),
          eval.top5(),
          eval.samples(),
          t.epochs(),
          ran == 0 ? 0 : trainSeconds / ran,
          trainSeconds,
          skipped,
          store.dir().resolve(CheckpointStore.BEST),
          Math.max(best, eval.top1()));
    } finally {
      pool.shutdownNow();
    }
  }

  /** One cross-entropy SGD step on a decoded batch; returns the mean loss. */
  public static double step(
      Network net, SgdOptimizer opt, List<org.sakd.data.Clip> clips, int[] labels, double lr) {
    double loss;
    GradMode.BACKWARD.lock();
    try (NDManager scope = net.manager().newSubManager()) {
      GradMode.off();
      NDArray x = Batches.stack(scope, clips);
      NDArray y = Batches.labels(scope, labels);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray logits = net.forward(x, true).get(0);
        NDArray l = Losses.crossEntropy(logits, y).mean();
        loss = l.getFloat();
        NonFiniteLossException.check("cross-entropy training", -1, loss);
        gc.backward(l);
      }
    } finally {
      GradMode.BACKWARD.unlock();
    }
    opt.step(lr);
    return loss;
  }
}

package org.sakd.pipeline;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.sakd.train.Batches;
import org.sakd.train.Network;

/**
 * The frozen teacher: eval-mode forward, no gradients, one NDManager scope per batch. Outputs on
 * clean clips with deterministic sampling are cached by sample, so the teacher runs once per clip,
 * not once per epoch; interrupted clips (the scoring pass) are never cached.
 */
public final class TeacherActor extends AbstractBehavior<TeacherActor.Command> {

  public sealed interface Command {}

  /**
   * Teacher outputs for {@code batch}; {@code cacheable} when the clips are clean and
   * deterministically sampled.
   */
  public record Infer(ClipBatch batch, boolean cacheable, ActorRef<TeacherOutputs> replyTo)
      implements Command {}

  /** The classifier head (for CrossKD), as K×D weight and K bias. */
  public record GetHead(ActorRef<Head> replyTo) implements Command {}

  public record Head(float[] weight, float[] bias, int classes, int featureDim) {}

  private final Network teacher;
  private final int classes;
  private final int dim;
  private final Map<Integer, float[]> cache = new HashMap<>();
  private long forwards;

  private TeacherActor(ActorContext<Command> context, Network teacher) {
    super(context);
    this.teacher = teacher;
    this.classes = teacher.classifier().numClasses();
    this.dim = teacher.classifier().featureDim();
  }

  /** The actor takes ownership of {@code teacher} and closes it when it stops. */
  public static Behavior<Command> create(Network teacher) {
    return Behaviors.setup(ctx -> new TeacherActor(ctx, teacher));
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Infer.class, this::onInfer)
        .onMessage(GetHead.class, this::onGetHead)
        .onSignal(
            PostStop.class,
            s -> {
              teacher.close();
              return this;
            })
        .build();
  }

  private Behavior<Command> onInfer(Infer m) {
    m.replyTo().tell(infer(m.batch(), m.cacheable()));
    return this;
  }

  TeacherOutputs infer(ClipBatch batch, boolean cacheable) {
    int n = batch.size();
    int[] ids = batch.ids();
    float[] logits = new float[n * classes];
    float[] features = new float[n * dim];
    java.util.List<Integer> missing = new java.util.ArrayList<>();
    for (int i = 0; i < n; i++) {
      float[] hit = cacheable ? cache.get(ids[i]) : null;
      if (hit == null) {
        missing.add(i);
      } else {
        System.arraycopy(hit, 0, logits, i * classes, classes);
        System.arraycopy(hit, classes, features, i * dim, dim);
      }
    }
    if (!missing.isEmpty()) {
      java.util.List<org.sakd.data.Clip> clips = new java.util.ArrayList<>();
      for (int i : missing) {
        clips.add(batch.clips().get(i));
      }
      try (NDManager scope = teacher.manager().newSubManager()) {
        NDList out = teacher.forward(Batches.stack(scope, clips), false);
        float[] l = out.get(0).toFloatArray();
        float[] f = out.get(1).toFloatArray();
        forwards += clips.size();
        for (int j = 0; j < missing.size(); j++) {
          int i = missing.get(j);
          System.arraycopy(l, j * classes, logits, i * classes, classes);
          System.arraycopy(f, j * dim, features, i * dim, dim);
          if (cacheable) {
            float[] row = new float[classes + dim];
            System.arraycopy(l, j * classes, row, 0, classes);
            System.arraycopy(f, j * dim, row, classes, dim);
            cache.put(ids[i], row);
          }
        }
      }
    }
    return new TeacherOutputs(ids, logits, classes, features, dim);
  }

  private Behavior<Command> onGetHead(GetHead m) {
    var head = teacher.classifier().head();
    float[] w = null;
    float[] b = new float[classes];
    for (var p : head.getParameters()) {
      if (p.getKey().equals("weight")) {
        w = p.getValue().getArray().toFloatArray();
      } else if (p.getKey().equals("bias")) {
        b = p.getValue().getArray().toFloatArray();
      }
    }
    m.replyTo().tell(new Head(w, b, classes, dim));
    return this;
  }

  long forwards() {
    return forwards;
  }
}

package org.sakd.model;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;

/**
 * Times one training step (forward + backward + SGD update) per preset on a (8,3,T,H,W) batch. Not
 * a test: run by hand, e.g. {@code java -cp target/classes:target/test-classes:$(cat cp.txt)
 * org.sakd.model.TrainingStepTiming r3d-micro slowfast-micro}.
 */
public final class TrainingStepTiming {

  private TrainingStepTiming() {}

  public static void main(String[] args) {
    int warmup = 2;
    int steps = Integer.getInteger("steps", 5);
    try (NDManager manager = NDManager.newBaseManager()) {
      for (String name : args) {
        try (NDManager scope = manager.newSubManager()) {
          Block block = ModelRegistry.create(name, 10);
          ModelInfo.initialize(block, scope);
          NDArray clips = scope.randomNormal(ModelInfo.classifier(block).inputShape(8));
          NDArray labels =
              scope.randomInteger(
                  0, 10, new ai.djl.ndarray.types.Shape(8), ai.djl.ndarray.types.DataType.INT32);
          long forwardNanos = 0;
          long totalNanos = 0;
          for (int i = 0; i < warmup + steps; i++) {
            long t0 = System.nanoTime();
            long t1;
            try (NDManager step = scope.newSubManager();
                GradientCollector gc = Engine.getInstance().newGradientCollector()) {
              NDList out = block.forward(new ParameterStore(step, false), new NDList(clips), true);
              NDArray loss = ModelTrainingTest.crossEntropy(out.get(0), labels);
              loss.getFloat();
              t1 = System.nanoTime();
              gc.backward(loss);
            }
            for (var p : block.getParameters()) {
              if (p.getValue().requiresGradient()) {
                NDArray w = p.getValue().getArray();
                try (NDArray g = w.getGradient()) {
                  w.subi(g.mul(0.01f));
                  g.subi(g);
                }
              }
            }
            long t2 = System.nanoTime();
            if (i >= warmup) {
              forwardNanos += t1 - t0;
              totalNanos += t2 - t0;
            }
          }
          System.out.printf(
              "%-16s params %9d  forward %7.1f ms  step %7.1f ms  (batch 8, input %s)%n",
              name,
              ModelInfo.parameterCount(block),
              forwardNanos / 1e6 / steps,
              totalNanos / 1e6 / steps,
              ModelInfo.classifier(block).inputShape(8));
        }
      }
    }
  }
}

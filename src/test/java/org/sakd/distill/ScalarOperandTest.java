package org.sakd.distill;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The NaN runs (issue 7): DJL's PyTorch engine turns the number in {@code x.mul(2.0)} / {@code
 * x.div(τ)} into a 0-d tensor over a fresh Java direct buffer (no copy) and closes it as soon as
 * the op returns. Autograd keeps that tensor for the backward pass (∂(x/c)/∂x = 1/c reads c), but
 * nothing keeps the Java buffer: once the garbage collector frees it, backward reads freed memory
 * (glibc keeps its list pointer in a freed chunk's first bytes), so 1/c turns into garbage, the
 * gradient into Inf/NaN, and one SGD step makes every parameter NaN. It needs a collection between
 * a step's forward and its backward: it struck 11 of 177 runs on a loaded machine, each time in the
 * first step's backward. {@link Scalar} makes the constant in PyTorch's own memory, which the
 * autograd graph keeps alive by reference counting.
 */
class ScalarOperandTest {

  static long directBuffers() {
    for (BufferPoolMXBean pool : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (pool.getName().equals("direct")) {
        return pool.getCount();
      }
    }
    throw new IllegalStateException("no direct buffer pool");
  }

  /**
   * Collects until the direct buffers made since {@code before} are freed (a full GC, then the
   * JDK's cleaner).
   */
  static void collectDirectBuffers(long before) throws InterruptedException {
    long deadline = System.nanoTime() + 10_000_000_000L;
    while (directBuffers() > before && System.nanoTime() < deadline) {
      System.gc();
      Thread.sleep(20);
    }
    assertTrue(directBuffers() <= before, "the direct buffers were not freed within 10 s");
  }

  /**
   * d/dx Σ op(x) for x = [1, 2, 3], with a full collection between the forward and the backward
   * pass.
   */
  private static float[] gradientAfterCollection(UnaryOperator<NDArray> op)
      throws InterruptedException {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray x = m.create(new float[] {1, 2, 3});
      x.setRequiresGradient(true);
      try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        long before = directBuffers();
        NDArray y = op.apply(x).sum();
        collectDirectBuffers(before);
        gc.backward(y);
      }
      return x.getGradient().toFloatArray();
    }
  }

  /**
   * Reads freed memory on purpose, so its outcome is undefined: a freed chunk usually holds the
   * allocator's list pointers, but now and then still holds 0.25 (it failed 2 of 8 default-suite
   * runs here on 2026-12-06). It documents the hazard, so it runs with the soak tests ({@code
   * ./mvnw -B test -Psoak}), not in the default suite.
   */
  @Test
  @Tag("soak")
  void djlsOwnScalarOperandIsReadAfterItWasFreed() throws InterruptedException {
    // the mechanism itself: with DJL's x.div(4.0) the gradient is no longer 1/4 once the buffer was
    // freed
    float[] g = gradientAfterCollection(x -> x.div(4.0));
    assertTrue(
        g[0] != 0.25f || g[1] != 0.25f || g[2] != 0.25f,
        "DJL's scalar operand survived a collection; if DJL now copies it, this hazard is gone: "
            + g[0]);
  }

  @Test
  void scalarOperandsInTorchMemorySurviveACollection() throws InterruptedException {
    assertArrayEquals(
        new float[] {0.25f, 0.25f, 0.25f}, gradientAfterCollection(x -> Scalar.div(x, 4.0)), 0f);
    assertArrayEquals(
        new float[] {3f, 3f, 3f}, gradientAfterCollection(x -> Scalar.mul(x, 3.0)), 0f);
    assertArrayEquals(
        new float[] {2f, 4f, 6f}, gradientAfterCollection(x -> Scalar.pow(x, 2.0)), 1e-6f);
    assertArrayEquals(
        new float[] {0f, 1f, 1f}, gradientAfterCollection(x -> Scalar.maximum(x, 1.5)), 0f);
  }
}

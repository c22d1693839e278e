package org.sakd.train;

import ai.djl.engine.Engine;

/**
 * PyTorch's autograd mode is per thread and on by default; DJL switches it off only on the thread
 * that started the engine. Actor threads must switch it off themselves before eval-mode forwards
 * (else every forward records a graph) and before optimizer updates (else the in-place update of a
 * leaf parameter is refused). The gradient collector turns it on for the backward pass and restores
 * it when closed.
 */
public final class GradMode {
  private static final boolean PYTORCH = "PyTorch".equals(Engine.getInstance().getEngineName());

  /**
   * DJL's PyTorch engine allows one gradient collector at a time per JVM: every backward pass
   * (trainer replicas, supervised training) holds this lock while its collector is open.
   */
  public static final java.util.concurrent.locks.ReentrantLock BACKWARD =
      new java.util.concurrent.locks.ReentrantLock();

  private GradMode() {}

  public static void off() {
    if (PYTORCH && ai.djl.pytorch.jni.JniUtils.isGradMode()) {
      ai.djl.pytorch.jni.JniUtils.setGradMode(false);
    }
  }
}

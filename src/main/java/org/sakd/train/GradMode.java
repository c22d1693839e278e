package org.sakd.train;

import ai.djl.engine.Engine;

/**
 * PyTorch's autograd mode is per thread and on by default; DJL switches it off only on the thread that started the
 * engine. Actor threads must switch it off themselves before eval-mode forwards (else every forward records a
 * graph) and before optimizer updates (else the in-place update of a leaf parameter is refused). The gradient
 * collector turns it on for the backward pass and restores it when closed.
 */
public final class GradMode {
  private static final boolean PYTORCH = "PyTorch".equals(Engine.getInstance().getEngineName());

  private GradMode() {}

  public static void off() {
    if (PYTORCH && ai.djl.pytorch.jni.JniUtils.isGradMode()) {
      ai.djl.pytorch.jni.JniUtils.setGradMode(false);
    }
  }
}

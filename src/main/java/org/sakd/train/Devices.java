package org.sakd.train;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.sakd.config.Settings;
import org.sakd.config.SettingsException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * train.devices as DJL devices, for every command; a GPU this machine lacks is a clear error, not a
 * CPU run.
 */
public final class Devices {
  private static final Logger LOG = LoggerFactory.getLogger(Devices.class);

  private Devices() {}

  /** "cpu" or "gpuN" as a DJL device. */
  public static Device of(String name) {
    if (name.equals("cpu")) {
      return Device.cpu();
    }
    int id = Integer.parseInt(name.substring(3));
    int gpus = Engine.getInstance().getGpuCount();
    if (id >= gpus) {
      throw new SettingsException(
          "train.devices",
          name,
          "cpu or gpu0..gpu" + (gpus - 1) + " (this machine has " + gpus + " GPUs)");
    }
    return Device.gpu(id);
  }

  /**
   * The device a single-device job (supervised training, evaluation, the teacher and scorer of a
   * distillation) runs on: the first of train.devices. Logs it with PyTorch's thread count and the
   * decoder count, once per job.
   */
  public static Device primary(Settings s, String job) {
    Device d = of(s.train().devices().get(0));
    int threads =
        "PyTorch".equals(Engine.getInstance().getEngineName())
            ? ai.djl.pytorch.jni.JniUtils.getNumThreads()
            : -1;
    LOG.info(
        "{} on {} ({} PyTorch threads, {} decoders{})",
        job,
        d,
        threads,
        s.data().decoders(),
        s.train().devices().size() > 1 ? ", replicas on " + s.train().devices() : "");
    return d;
  }
}

package org.sakd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SettingsTest {

  @Test
  void defaultsLoadAndAreTheDemo() {
    Settings s = Settings.load(null, List.of());
    assertEquals("synthetic", s.data().format());
    assertEquals("kd", s.distill().method());
    assertEquals(0.1, s.sakd().ratio());
    assertEquals(1, s.sakd().interval());
    assertEquals(List.of("cpu"), s.train().devices());
  }

  @Test
  void overridesParseAsHocon() {
    Settings s =
        Settings.load(
            null,
            List.of(
                "train.epochs=3",
                "data.clip.mean=[0.5,0.5,0.5]",
                "sakd.gamma=0.25",
                "data.root=/tmp/some:path",
                "train.devices=[cpu,cpu]"));
    assertEquals(3, s.train().epochs());
    assertEquals(0.5f, s.data().clip().mean()[1]);
    assertEquals(0.25, s.sakd().gamma());
    assertEquals(Path.of("/tmp/some:path"), s.data().root());
    assertEquals(2, s.train().devices().size());
  }

  @Test
  void fileThenOverridesTakePrecedence(@TempDir Path dir) throws Exception {
    Path f = dir.resolve("r.conf");
    Files.writeString(f, "train { epochs = 7, lr = 0.01 }\ndistill.method = dkd\n");
    Settings s = Settings.load(f, List.of("train.epochs=2"));
    assertEquals(2, s.train().epochs());
    assertEquals(0.01, s.train().lr());
    assertEquals("dkd", s.distill().method());
  }

  @Test
  void badValuesNameTheKeyAndWhatIsAllowed() {
    var e =
        assertThrows(
            SettingsException.class, () -> Settings.load(null, List.of("distill.method=foo")));
    assertEquals("distill.method", e.key());
    assertTrue(e.getMessage().contains("crosskd"), e.getMessage());
    e = assertThrows(SettingsException.class, () -> Settings.load(null, List.of("sakd.ratio=1.5")));
    assertEquals("sakd.ratio", e.key());
    assertTrue(
        e.getMessage().contains("1.5") && e.getMessage().contains("(0.0, 1.0]"), e.getMessage());
    e =
        assertThrows(
            SettingsException.class, () -> Settings.load(null, List.of("train.epochs=many")));
    assertEquals("train.epochs", e.key());
    e = assertThrows(SettingsException.class, () -> Settings.load(null, List.of("train.epocs=3")));
    assertEquals("train.epocs", e.key());
    e =
        assertThrows(
            SettingsException.class, () -> Settings.load(null, List.of("data.clip.crop=500")));
    assertEquals("data.clip.crop", e.key());
    e =
        assertThrows(
            SettingsException.class, () -> Settings.load(null, List.of("train.devices=[tpu]")));
    assertEquals("train.devices", e.key());
    e =
        assertThrows(
            SettingsException.class, () -> Settings.load(null, List.of("data.format=hmdb")));
    assertTrue(e.getMessage().contains("ucf101"), e.getMessage());
    e =
        assertThrows(
            SettingsException.class, () -> Settings.load(null, List.of("model.compile=jit")));
    assertEquals("model.compile", e.key());
    assertTrue(e.getMessage().contains("torchscript"), e.getMessage());
    // the demo's set sizes: fewer test groups than groups, both set or both 0
    for (List<String> bad :
        List.of(
            List.of("demo.test-groups=27"),
            List.of("demo.groups=0"),
            List.of("demo.groups=0", "demo.test-groups=3"))) {
      e = assertThrows(SettingsException.class, () -> Settings.load(null, bad), bad.toString());
      assertEquals("demo.test-groups", e.key());
    }
    Settings small = Settings.load(null, List.of("demo.groups=0", "demo.test-groups=0"));
    assertEquals(0, small.demo().groups());
    assertEquals(10, Settings.load(null, List.of()).demo().testGroups());
    // the time control: 0 (no row) or more epochs, never negative
    e =
        assertThrows(
            SettingsException.class,
            () -> Settings.load(null, List.of("demo.same-time-epochs=-1")));
    assertEquals("demo.same-time-epochs", e.key());
    assertEquals(7, Settings.load(null, List.of()).demo().sameTimeEpochs());
    assertEquals(
        0, Settings.load(null, List.of("demo.same-time-epochs=0")).demo().sameTimeEpochs());
  }

  /** Found by scripts/chaos: these ended with HOCON's BadPath stack trace and exit 1. */
  @Test
  void anOverrideWithoutAUsableKeyIsABadSetting() {
    for (String o : List.of(" =3", "train..epochs=3", ".train=3", "=3")) {
      var e = assertThrows(SettingsException.class, () -> Settings.load(null, List.of(o)), o);
      assertEquals("--set", e.key());
      assertTrue(e.getMessage().contains(o), e.getMessage());
    }
  }

  @Test
  void missingRecipeIsABadSetting() {
    var e =
        assertThrows(
            SettingsException.class, () -> Settings.load(Path.of("no/such.conf"), List.of()));
    assertEquals("--config", e.key());
  }

  @Test
  void withAppliesMoreOverridesAndValidates() {
    Settings s = Settings.load(null, List.of());
    Settings t = s.with(Map.of("distill.mode", "random", "sakd.interval", 5));
    assertEquals(org.sakd.sakd.RunMode.RANDOM, t.distill().mode());
    assertEquals(5, t.sakd().interval());
    assertThrows(SettingsException.class, () -> s.with(Map.of("sakd.interval", 0)));
    assertTrue(t.render().contains("interval"));
  }

  @Test
  void everyRecipeInConfIsValid() throws Exception {
    try (var files = Files.list(Path.of("conf"))) {
      List<Path> recipes = files.filter(f -> f.toString().endsWith(".conf")).toList();
      assertTrue(recipes.size() >= 5, "recipes found: " + recipes);
      for (Path f : recipes) {
        Settings s = Settings.load(f, List.of());
        assertTrue(Settings.FORMATS.contains(s.data().format()), f.toString());
      }
    }
  }

  /**
   * Clip and batch sizes whose product overflows a Java array or the 2 GiB staging buffer are
   * settings errors.
   */
  @Test
  void clipAndBatchSizesThatOverflowAreRejected() {
    var clip =
        assertThrows(
            SettingsException.class,
            () ->
                Settings.load(
                    null,
                    List.of(
                        "data.clip.frames=512",
                        "data.clip.short-side=2048",
                        "data.clip.crop=2048")));
    assertEquals("data.clip.crop", clip.key());
    var batch =
        assertThrows(
            SettingsException.class,
            () ->
                Settings.load(
                    null,
                    List.of(
                        "data.clip.frames=64",
                        "data.clip.short-side=1024",
                        "data.clip.crop=1024",
                        "train.batch-size=8")));
    assertEquals("train.batch-size", batch.key());
    assertTrue(batch.getMessage().contains("at most 2 clips"), batch.getMessage());
  }

  @Test
  void eachMethodsBlockDefaultsToTheRegistryAndIsValidatedByKey() {
    Settings s = Settings.load(null, List.of());
    for (String m : org.sakd.distill.Distillers.names()) {
      assertEquals(
          org.sakd.distill.Distillers.defaults(m), s.distill().methods().get(m), "distill." + m);
    }
    Settings t =
        Settings.load(
            null,
            List.of(
                "distill.kd.temperature=2",
                "distill.method=dkd",
                "distill.dkd.beta=2.5",
                "distill.dkd.warmup-epochs=3"));
    assertEquals(2.0, t.distill().methods().get("kd").temperature());
    assertEquals(2.5, t.distill().settings().extra("betaD"));
    assertEquals(3.0, t.distill().settings().extra("warmupEpochs"));
    assertTrue(t.render().contains("temperature=2"), "the override is in config.conf");
    SettingsException e =
        assertThrows(
            SettingsException.class,
            () -> Settings.load(null, List.of("distill.kd.temperature=-1")));
    assertEquals("distill.kd.temperature", e.key());
    e =
        assertThrows(
            SettingsException.class,
            () -> Settings.load(null, List.of("distill.gkd.hidden-dim=2.5")));
    assertEquals("distill.gkd.hidden-dim", e.key());
    e =
        assertThrows(
            SettingsException.class, () -> Settings.load(null, List.of("distill.kd.alpha=1")));
    assertEquals("distill.kd.alpha", e.key(), "a key the method does not have is unknown");
    e =
        assertThrows(
            SettingsException.class, () -> Settings.load(null, List.of("sakd.selector=additive")));
    assertTrue(e.getMessage().contains("dpp-sample, dpp-greedy, dpp, dpp-additive, random, topk"));
    assertEquals(
        org.sakd.sakd.SelectorKind.DPP_GREEDY,
        Settings.load(null, List.of("sakd.selector=dpp")).sakd().selector());
  }

  /** A PKCS12 key store with one self-signed key, made by scripts/make-cluster-keys. */
  private static Path clusterKeys(Path dir, String password) throws Exception {
    ProcessBuilder pb =
        new ProcessBuilder("scripts/make-cluster-keys", dir.toString()).redirectErrorStream(true);
    pb.environment().put("SAKD_TLS_PASSWORD", password);
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes());
    assertEquals(0, p.waitFor(), out);
    assertTrue(!out.contains(password), "make-cluster-keys prints no password: " + out);
    return dir;
  }

  @Test
  void tlsStoresAreCheckedWhenEnabledAndTheErrorNamesTheKey(@TempDir Path dir) throws Exception {
    // not enabled: nothing is checked
    assertEquals(false, Settings.load(null, List.of()).cluster().tls().enabled());
    var e =
        assertThrows(
            SettingsException.class,
            () -> Settings.load(null, List.of("cluster.tls.enabled=true")));
    assertEquals("cluster.tls.key-store", e.key(), e.getMessage());
    e =
        assertThrows(
            SettingsException.class,
            () ->
                Settings.load(
                    null,
                    List.of(
                        "cluster.tls.enabled=true",
                        "cluster.tls.key-store=\"" + dir.resolve("none.p12") + "\"")));
    assertEquals("cluster.tls.key-store", e.key(), e.getMessage());
    assertTrue(e.getMessage().contains("none.p12"), e.getMessage());
    Path keys = clusterKeys(dir.resolve("keys"), "right-one");
    List<String> tls =
        List.of(
            "cluster.tls.enabled=true",
            "cluster.tls.key-store=\"" + keys.resolve("node.p12") + "\"",
            "cluster.tls.trust-store=\"" + keys.resolve("trust.p12") + "\"",
            "cluster.tls.trust-store-password=right-one");
    List<String> wrong = new java.util.ArrayList<>(tls);
    wrong.add("cluster.tls.key-store-password=wrong-one");
    e = assertThrows(SettingsException.class, () -> Settings.load(null, wrong));
    assertEquals("cluster.tls.key-store", e.key(), e.getMessage());
    assertTrue(e.getMessage().contains("cluster.tls.key-store-password opens"), e.getMessage());
    assertTrue(
        !e.getMessage().contains("wrong-one"), "no password in the error: " + e.getMessage());
    List<String> right = new java.util.ArrayList<>(tls);
    right.add("cluster.tls.key-store-password=right-one");
    Settings s = Settings.load(null, right);
    assertTrue(s.cluster().tls().enabled());
    assertEquals(
        "right-one", s.cluster().tls().keyPassword(), "key-password defaults to the store's");
    assertTrue(!s.cluster().tls().toString().contains("right-one"), s.cluster().tls().toString());
    // config.conf and checkpoints carry render(): passwords masked, paths kept
    String rendered = s.render();
    assertTrue(!rendered.contains("right-one"), rendered);
    assertTrue(rendered.contains("key-store-password=\"***\""), rendered);
    assertTrue(rendered.contains("node.p12"), rendered);
  }

  @Test
  void theMonitorNodeIsOptionalAndItsAddressIsCheckedByKey() {
    assertEquals("", Settings.load(null, List.of()).cluster().monitor());
    assertFalse(Settings.load(null, List.of()).cluster().hasMonitor());
    Settings s = Settings.load(null, List.of("cluster.monitor=\"10.0.0.9:25530\""));
    assertEquals("10.0.0.9:25530", s.cluster().monitor());
    assertTrue(s.cluster().hasMonitor());
    for (String bad :
        List.of(
            "cluster.monitor=\"10.0.0.9\"",
            "cluster.monitor=\"10.0.0.9:25530/cpu\"",
            "cluster.monitor=\"pekko://sakd@10.0.0.9:25530\"",
            "cluster.monitor=[\"10.0.0.9:25530\"]",
            // the address of another node of the layout (the default coordinator, a trainer)
            "cluster.monitor=\"127.0.0.1:25520\"",
            "cluster.monitor=\"127.0.0.1:25522\"")) {
      var e = assertThrows(SettingsException.class, () -> Settings.load(null, List.of(bad)), bad);
      assertEquals("cluster.monitor", e.key(), e.getMessage());
      assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    }
  }

  @Test
  void decoderNodesNameATrainerEachAndBadEntriesNameTheKey() {
    String trainers = "cluster.trainers=[\"127.0.0.1:25521/cpu\", \"127.0.0.1:25522/cpu\"]";
    assertEquals(List.of(), Settings.load(null, List.of()).cluster().decoders());
    Settings s =
        Settings.load(
            null,
            List.of(
                trainers, "cluster.decoders=[\"127.0.0.1:25531/1\", \"gpu-host.lan:25530/0\"]"));
    assertEquals("127.0.0.1:25531/1", s.cluster().decoderOf(1));
    assertEquals("gpu-host.lan:25530/0", s.cluster().decoderOf(0));
    assertEquals(1, Settings.Cluster.servedTrainer(s.cluster().decoders().get(0)));
    for (String bad :
        List.of(
            "[\"127.0.0.1:25531\"]", // no trainer index
            "[\"127.0.0.1:25531/cpu\"]", // a device, not a trainer
            "[\"127.0.0.1:25531/2\"]", // no trainer 2
            "[\"127.0.0.1:25531/0\", \"127.0.0.1:25532/0\"]", // two for one trainer
            "[\"127.0.0.1:25521/1\"]", // trainer 0's address
            "\"127.0.0.1:25531/0\"")) { // not a list
      SettingsException e =
          assertThrows(
              SettingsException.class,
              () -> Settings.load(null, List.of(trainers, "cluster.decoders=" + bad)),
              bad);
      assertEquals("cluster.decoders", e.key(), e.getMessage());
      assertTrue(
          e.getMessage().contains(bad.startsWith("[") ? "host:port/trainerIndex" : "a list"),
          e.getMessage());
    }
  }
}

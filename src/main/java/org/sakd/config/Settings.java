package org.sakd.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigRenderOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.sakd.data.Sampling;
import org.sakd.distill.DistillSettings;
import org.sakd.distill.Distillers;
import org.sakd.distill.Supervisor;
import org.sakd.sakd.AlphaForm;
import org.sakd.sakd.Direction;
import org.sakd.sakd.RunMode;
import org.sakd.sakd.ScheduleKind;
import org.sakd.sakd.SelectionPolicy;
import org.sakd.sakd.SelectorKind;

/**
 * The typed, validated settings of one run, built from HOCON: the embedded defaults ({@code
 * sakd-defaults.conf}), then a recipe file, then {@code --set key=value} overrides. A bad value is
 * rejected here, before any work starts, with its key path, the value and what is allowed.
 */
public record Settings(
    Run run,
    Data data,
    Models model,
    Train train,
    Pipeline pipeline,
    Eval eval,
    Distill distill,
    Sakd sakd,
    Demo demo,
    Cluster cluster,
    Monitor monitor,
    Config raw) {

  /** What watches a run from outside: {@code monitor.http}, the run's read-only dashboard. */
  public record Monitor(Http http) {
    /** The dashboard's server: off unless enabled; port 0 binds any free port. */
    public record Http(boolean enabled, String host, int port) {}
  }

  /**
   * A cluster run (DESIGN.md "Distribution"): the coordinator node at {@code coordinator}
   * ("host:port", the seed node) and one trainer node per entry of {@code trainers}
   * ("host:port/device"); the coordinator starts when they have all joined, or fails after {@code
   * joinTimeoutSeconds} naming who is missing. {@code monitor} ("host:port", "" for none): the
   * cluster address of the optional monitor node, which serves the run's dashboard read-only.
   * {@code decoders}: optional decoder nodes ("host:port/trainerIndex"), each decoding the training
   * clips of the trainer node at that entry of {@code trainers} (at most one per trainer).
   */
  public record Cluster(
      boolean enabled,
      String coordinator,
      List<String> trainers,
      List<String> decoders,
      int minTrainers,
      int joinTimeoutSeconds,
      Tls tls,
      String monitor) {

    /** Whether the layout names a monitor node. */
    public boolean hasMonitor() {
      return !monitor.isEmpty();
    }

    /**
     * {@code cluster.tls}: Artery over TLS with this node's key and the certificates it trusts
     * (mutual). Validated only when enabled: both store files exist and their passwords open them.
     */
    public record Tls(
        boolean enabled,
        Path keyStore,
        String keyStorePassword,
        String keyPassword,
        Path trustStore,
        String trustStorePassword) {

      @Override
      public String toString() {
        // passwords stay out of logs
        return "Tls[enabled="
            + enabled
            + ", keyStore="
            + keyStore
            + ", trustStore="
            + trustStore
            + "]";
      }
    }

    /** The host of a "host:port" or "host:port/device" entry. */
    public static String host(String entry) {
      String hp = entry.contains("/") ? entry.substring(0, entry.indexOf('/')) : entry;
      return hp.substring(0, hp.lastIndexOf(':'));
    }

    /** The port of a "host:port" or "host:port/device" entry. */
    public static int port(String entry) {
      String hp = entry.contains("/") ? entry.substring(0, entry.indexOf('/')) : entry;
      return Integer.parseInt(hp.substring(hp.lastIndexOf(':') + 1));
    }

    /** The trainer entry a "host:port/trainerIndex" entry of cluster.decoders serves. */
    public static int servedTrainer(String decoderEntry) {
      return Integer.parseInt(decoderEntry.substring(decoderEntry.indexOf('/') + 1));
    }

    /**
     * The entry of cluster.decoders that serves trainer {@code trainer}, or null when none does.
     */
    public String decoderOf(int trainer) {
      for (String d : decoders) {
        if (servedTrainer(d) == trainer) {
          return d;
        }
      }
      return null;
    }

    /** The device of a "host:port/device" entry ("cpu" when none is named). */
    public static String device(String entry) {
      return entry.contains("/") ? entry.substring(entry.indexOf('/') + 1) : "cpu";
    }
  }

  public record Demo(
      int teacherEpochs,
      int pretrainEpochs,
      int epochs,
      int starInterval,
      double scratchLr,
      int pretrainClasses,
      int groups,
      int testGroups,
      int sameTimeEpochs) {}

  public record Pipeline(int buffer) {}

  public record Run(String name, Path dir, long seed) {
    public Path runDir() {
      return dir.resolve(name);
    }
  }

  public record Clip(int frames, int stride, int shortSide, int crop, float[] mean, float[] std) {}

  public record Synthetic(
      int classes,
      int groups,
      int testGroups,
      int clipsPerGroup,
      int frames,
      int width,
      int height,
      int fps,
      String container,
      int noise,
      double contrast) {}

  public record Data(
      String format,
      Path root,
      String splits,
      int split,
      String trainList,
      String valList,
      String classes,
      String annotations,
      int decoders,
      Sampling trainSampling,
      int clipCacheMb,
      Clip clip,
      Synthetic synthetic) {
    /** Options passed to the dataset index loaders (keys as in {@code org.sakd.data.Datasets}). */
    public Map<String, String> options() {
      return Map.of(
          "splits",
          splits,
          "split",
          Integer.toString(split),
          "train_list",
          trainList,
          "val_list",
          valList,
          "classes",
          classes,
          "annotations",
          annotations);
    }
  }

  /**
   * @param compile {@code auto} (zoo networks that {@link org.sakd.model.ScriptedClassifier} can
   *     write run as TorchScript, the others as DJL blocks), {@code torchscript} (every zoo network
   *     must compile) or {@code none}
   */
  public record Models(
      String teacher,
      String student,
      String teacherCheckpoint,
      String studentInit,
      String compile) {}

  public record Train(
      String model,
      int epochs,
      int batchSize,
      double lr,
      double momentum,
      double weightDecay,
      boolean nesterov,
      String lrSchedule,
      int warmupEpochs,
      int[] stepEpochs,
      double stepGamma,
      List<String> devices,
      int checkpointEvery,
      int computeThreads,
      boolean jvmPerDevice) {}

  public record Eval(int batchSize, int views) {}

  /**
   * distill.method and distill.mode, and the base methods' own hyper-parameters: one block per
   * method ({@code distill.kd { temperature, ce-weight, kd-weight }}, {@code distill.dkd { ...,
   * alpha, beta, warmup-epochs }}, ...), keyed by method name.
   */
  public record Distill(String method, RunMode mode, Map<String, DistillSettings> methods) {
    /** The chosen method's hyper-parameters. */
    public DistillSettings settings() {
      return methods.get(method);
    }
  }

  public record Sakd(
      int interval,
      double ratio,
      double eta,
      double lambda,
      double gamma,
      ScheduleKind schedule,
      SelectorKind selector,
      Supervisor supervisor,
      int scoreBatchSize,
      int partitionThreshold,
      int shards,
      Direction direction,
      AlphaForm alphaForm,
      int annealEpochs,
      boolean overlapScoring) {

    /** The readings of METHOD.md §2.5 and §4 these settings choose, for the selection stage. */
    public org.sakd.sakd.SelectionPolicy policy() {
      return new SelectionPolicy(lambda, direction, alphaForm, eta);
    }
  }

  public static final Set<String> FORMATS =
      Set.of("ucf101", "kinetics", "ssv2", "cifar100", "imagefolder", "synthetic");

  private static final String DEFAULTS = "sakd-defaults.conf";

  /** The embedded defaults alone. */
  public static Config defaults() {
    return ConfigFactory.parseResources(Settings.class.getClassLoader(), DEFAULTS);
  }

  /**
   * Loads settings: defaults, then {@code file} (may be null), then each {@code key=value} override
   * (values are HOCON, so numbers, lists and quoted strings work). Throws SettingsException on any
   * bad or unknown key.
   */
  public static Settings load(Path file, List<String> overrides) {
    Config defaults = defaults();
    Config given = ConfigFactory.empty();
    for (String o : overrides) {
      int eq = o.indexOf('=');
      if (eq <= 0 || o.substring(0, eq).isBlank()) {
        throw new SettingsException("--set", o, "key=value");
      }
      String key = o.substring(0, eq).trim();
      String value = o.substring(eq + 1).trim();
      Config one;
      try {
        one = ConfigFactory.parseString(key + " = " + value);
      } catch (ConfigException e) {
        // An unquoted value HOCON cannot parse (a path with ':' etc.): take it as a plain string.
        try {
          one =
              ConfigFactory.empty()
                  .withValue(key, com.typesafe.config.ConfigValueFactory.fromAnyRef(value));
        } catch (ConfigException badKey) { // a key that is no path, e.g. train..epochs
          throw new SettingsException("--set", o, "key=value with a key such as train.epochs");
        }
      }
      given = one.withFallback(given);
    }
    if (file != null) {
      if (!Files.isRegularFile(file)) {
        throw new SettingsException("--config", file, "an existing HOCON file");
      }
      try {
        given = given.withFallback(ConfigFactory.parseFile(file.toFile()));
      } catch (ConfigException e) {
        throw new SettingsException("--config", file, "valid HOCON (" + e.getMessage() + ")");
      }
    }
    Config resolved;
    try {
      resolved = given.withFallback(defaults).resolve();
    } catch (ConfigException e) {
      throw new SettingsException("--config", file, "resolvable HOCON (" + e.getMessage() + ")");
    }
    List<String> unknown = ConfigReader.unknownKeys(given.resolve(), defaults);
    if (!unknown.isEmpty()) {
      throw new SettingsException(
          unknown.get(0),
          given.getValue(unknown.get(0)).unwrapped(),
          "a known key (see src/main/resources/sakd-defaults.conf)");
    }
    return from(resolved);
  }

  static Settings from(Config c) {
    ConfigReader r = new ConfigReader(c);
    Run run =
        new Run(nonEmpty(r, "run.name"), Path.of(nonEmpty(r, "run.dir")), r.longValue("run.seed"));
    if (!run.name().matches("[A-Za-z0-9._-]+")) {
      throw new SettingsException("run.name", run.name(), "letters, digits, '.', '_' and '-'");
    }
    Clip clip =
        new Clip(
            r.intIn("data.clip.frames", 1, 512), r.intIn("data.clip.stride", 1, 64),
            r.intIn("data.clip.short-side", 8, 4096), r.intIn("data.clip.crop", 8, 4096),
            r.floats("data.clip.mean", 3, 0, 1), r.floats("data.clip.std", 3, 1e-6, 10));
    if (3L * clip.frames() * clip.crop() * clip.crop() > Integer.MAX_VALUE - 8) {
      throw new SettingsException(
          "data.clip.crop",
          clip.crop(),
          "a clip of 3 x data.clip.frames ("
              + clip.frames()
              + ") x crop x crop values that fits one Java array (at most "
              + (Integer.MAX_VALUE - 8)
              + " values)");
    }
    if (clip.crop() > clip.shortSide()) {
      throw new SettingsException(
          "data.clip.crop", clip.crop(), "at most data.clip.short-side (" + clip.shortSide() + ")");
    }
    Synthetic syn =
        new Synthetic(
            r.intIn("data.synthetic.classes", 2, 10),
            r.intIn("data.synthetic.groups", 2, 1000),
            r.intIn("data.synthetic.test-groups", 1, 999),
            r.intIn("data.synthetic.clips-per-group", 1, 100),
            r.intIn("data.synthetic.frames", 2, 10000),
            r.intIn("data.synthetic.width", 16, 4096),
            r.intIn("data.synthetic.height", 16, 4096),
            r.intIn("data.synthetic.fps", 1, 240),
            r.oneOf("data.synthetic.container", Set.of("avi", "mp4")),
            r.intIn("data.synthetic.noise", 0, 127),
            r.doubleIn("data.synthetic.contrast", 0, 1, true));
    if (syn.testGroups() >= syn.groups()) {
      throw new SettingsException(
          "data.synthetic.test-groups",
          syn.testGroups(),
          "fewer than data.synthetic.groups (" + syn.groups() + ")");
    }
    Data data =
        new Data(
            r.oneOf("data.format", FORMATS),
            Path.of(nonEmpty(r, "data.root")),
            r.string("data.splits"),
            r.intIn("data.split", 1, 3),
            r.string("data.train-list"),
            r.string("data.val-list"),
            r.string("data.classes"),
            r.string("data.annotations"),
            r.intIn("data.decoders", 1, 256),
            r.choice("data.train-sampling", Sampling.class),
            r.intIn("data.clip-cache-mb", 0, 1 << 20),
            clip,
            syn);
    Models model =
        new Models(
            nonEmpty(r, "model.teacher"),
            nonEmpty(r, "model.student"),
            r.string("model.teacher-checkpoint"),
            r.string("model.student-init"),
            r.oneOf("model.compile", Set.of("auto", "torchscript", "none")));
    Train train =
        new Train(
            r.oneOf("train.model", Set.of("teacher", "student")),
            r.intIn("train.epochs", 1, 100000),
            r.intIn("train.batch-size", 1, 65536),
            r.doubleIn("train.lr", 0, 100, true),
            r.doubleIn("train.momentum", 0, 0.999999, false),
            r.doubleIn("train.weight-decay", 0, 1, false),
            r.bool("train.nesterov"),
            r.oneOf("train.lr-schedule", Set.of("cosine", "step", "constant")),
            r.intIn("train.warmup-epochs", 0, 100000),
            r.intsIn("train.step-epochs", 1, 100000),
            r.doubleIn("train.step-gamma", 0, 1, true),
            devices(r),
            r.intIn("train.checkpoint-every", 1, 100000),
            r.intIn("train.compute-threads", 0, 4096),
            r.oneOf("train.replicas-in", Set.of("jvm-per-device", "one-jvm"))
                .equals("jvm-per-device"));
    Pipeline pipeline = new Pipeline(r.intIn("pipeline.buffer", 0, 1 << 20));
    Eval eval = new Eval(r.intIn("eval.batch-size", 1, 65536), r.intIn("eval.views", 1, 30));
    Distill distill =
        new Distill(
            r.oneOf("distill.method", Set.copyOf(Distillers.names())),
            r.choice("distill.mode", RunMode.class),
            methodSettings(r));
    Sakd sakd =
        new Sakd(
            r.intIn("sakd.interval", 1, 100000),
            r.doubleIn("sakd.ratio", 0, 1, true),
            r.doubleIn("sakd.eta", 0, 1, true),
            r.doubleIn("sakd.lambda", 0, 1, false),
            r.doubleIn("sakd.gamma", 0, 1, false),
            r.choice("sakd.schedule", ScheduleKind.class),
            r.choice("sakd.selector", SelectorKind.class),
            r.choice("sakd.supervisor", Supervisor.class),
            r.intIn("sakd.score-batch-size", 1, 65536),
            r.intIn("sakd.partition-threshold", 2, Integer.MAX_VALUE),
            r.intIn("sakd.shards", 1, 4096),
            r.choice("sakd.direction", Direction.class),
            r.choice("sakd.alpha-form", AlphaForm.class),
            r.intIn("sakd.anneal-epochs", 0, 100000),
            r.bool("sakd.overlap-scoring"));
    Demo demo =
        new Demo(
            r.intIn("demo.teacher-epochs", 1, 100000),
            r.intIn("demo.pretrain-epochs", 0, 100000),
            r.intIn("demo.epochs", 1, 100000),
            r.intIn("demo.star-interval", 1, 100000),
            r.doubleIn("demo.scratch-lr", 0, 100, true),
            r.intIn("demo.pretrain-classes", 0, 100000),
            r.intIn("demo.groups", 0, 1000),
            r.intIn("demo.test-groups", 0, 999),
            r.intIn("demo.same-time-epochs", 0, 100000));
    if ((demo.groups() > 0) != (demo.testGroups() > 0)
        || (demo.groups() > 0 && demo.testGroups() >= demo.groups())) {
      throw new SettingsException(
          "demo.test-groups",
          demo.testGroups(),
          "fewer than demo.groups ("
              + demo.groups()
              + "), and both 0 (the data.synthetic sizes) or both set");
    }
    if (sakd.annealEpochs() >= train.epochs()) {
      throw new SettingsException(
          "sakd.anneal-epochs",
          sakd.annealEpochs(),
          "fewer than train.epochs ("
              + train.epochs()
              + "): at least one epoch must train on the subset (use distill.mode=vanilla otherwise)");
    }
    // a batch is staged in one direct buffer (at most 2 GiB): clip values x 4 bytes x the largest
    // batch must fit
    long clipBytes = 12L * clip.frames() * clip.crop() * clip.crop();
    for (var b :
        List.of(
            Map.entry("train.batch-size", train.batchSize()),
            Map.entry("eval.batch-size", eval.batchSize()),
            Map.entry("sakd.score-batch-size", sakd.scoreBatchSize()))) {
      if (clipBytes * b.getValue() > Integer.MAX_VALUE) {
        throw new SettingsException(
            b.getKey(),
            b.getValue(),
            "at most "
                + (Integer.MAX_VALUE / clipBytes)
                + " clips of "
                + clipBytes / (1 << 20)
                + " MiB (data.clip.frames x crop x crop x 3 floats) per batch");
      }
    }
    Monitor monitor =
        new Monitor(
            new Monitor.Http(
                r.bool("monitor.http.enabled"),
                host(r, "monitor.http.host"),
                r.intIn("monitor.http.port", 0, 65535)));
    return new Settings(
        run, data, model, train, pipeline, eval, distill, sakd, demo, cluster(r), monitor, c);
  }

  /**
   * Every registered method's block, {@code distill.<method>}: τ, the CE and KD weights and the
   * method's extra keys (named as {@link Distillers#configKey} names them). All blocks are
   * validated, so a bad value in any of them names its key.
   */
  private static Map<String, DistillSettings> methodSettings(ConfigReader r) {
    Map<String, DistillSettings> out = new java.util.LinkedHashMap<>();
    for (String m : Distillers.names()) {
      String p = "distill." + m + ".";
      Map<String, Double> extra = new java.util.TreeMap<>();
      for (var e : Distillers.defaults(m).extra().entrySet()) {
        String key = p + Distillers.configKey(e.getKey());
        extra.put(
            e.getKey(),
            Distillers.wholeNumber(e.getKey())
                ? r.intIn(key, 1, 1_000_000)
                : r.doubleIn(key, 0, 1e6, false));
      }
      out.put(
          m,
          new DistillSettings(
              r.doubleIn(p + "temperature", 0, 1e4, true),
              r.doubleIn(p + "ce-weight", 0, 1e6, false),
              r.doubleIn(p + "kd-weight", 0, 1e6, false),
              extra));
    }
    return out;
  }

  private static Cluster cluster(ConfigReader r) {
    String hostPort = "[A-Za-z0-9.\\-]+:[0-9]{1,5}";
    String coordinator = r.string("cluster.coordinator");
    if (!coordinator.matches(hostPort)) {
      throw new SettingsException("cluster.coordinator", coordinator, "host:port");
    }
    List<String> trainers = r.strings("cluster.trainers", 1);
    for (String t : trainers) {
      if (!t.matches(hostPort + "(/(cpu|gpu[0-9]+))?")) {
        throw new SettingsException(
            "cluster.trainers", trainers, "entries \"host:port/device\" (device cpu or gpuN)");
      }
    }
    List<String> decoders = r.strings("cluster.decoders", 0);
    String allowed =
        "entries \"host:port/trainerIndex\" (trainerIndex: an entry of cluster.trainers, 0.."
            + (trainers.size() - 1)
            + ", at most one decoder each, on a port no other node uses)";
    java.util.Set<Integer> served = new java.util.HashSet<>();
    java.util.Set<String> addresses = new java.util.HashSet<>();
    addresses.add(coordinator);
    trainers.forEach(t -> addresses.add(t.contains("/") ? t.substring(0, t.indexOf('/')) : t));
    for (String d : decoders) {
      if (!d.matches(hostPort + "/[0-9]{1,6}")
          || Cluster.servedTrainer(d) >= trainers.size()
          || !served.add(Cluster.servedTrainer(d))
          || !addresses.add(d.substring(0, d.indexOf('/')))) {
        throw new SettingsException("cluster.decoders", decoders, allowed);
      }
    }
    int min = r.intIn("cluster.min-trainers", 1, trainers.size());
    return new Cluster(
        r.bool("cluster.enabled"),
        coordinator,
        trainers,
        List.copyOf(decoders),
        min,
        r.intIn("cluster.join-timeout-seconds", 1, 86400),
        tls(r),
        monitorNode(r, hostPort, coordinator, trainers));
  }

  /** cluster.monitor: "" (no monitor node) or a host:port that no other node of the layout has. */
  private static String monitorNode(
      ConfigReader r, String hostPort, String coordinator, List<String> trainers) {
    String monitor = r.string("cluster.monitor").trim();
    if (monitor.isEmpty()) {
      return monitor;
    }
    if (!monitor.matches(hostPort)) {
      throw new SettingsException(
          "cluster.monitor", monitor, "\"host:port\" of the monitor node, or \"\" for none");
    }
    List<String> taken = new java.util.ArrayList<>(List.of(coordinator));
    trainers.forEach(t -> taken.add(t.contains("/") ? t.substring(0, t.indexOf('/')) : t));
    if (taken.contains(monitor)) {
      throw new SettingsException(
          "cluster.monitor",
          monitor,
          "a host:port that neither cluster.coordinator nor cluster.trainers uses " + taken);
    }
    return monitor;
  }

  /** The keys of cluster.tls whose values {@link #render()} masks. */
  public static final List<String> SECRET_KEYS =
      List.of(
          "cluster.tls.key-store-password",
          "cluster.tls.key-password",
          "cluster.tls.trust-store-password");

  private static Cluster.Tls tls(ConfigReader r) {
    boolean enabled = r.bool("cluster.tls.enabled");
    String storePassword = r.string("cluster.tls.key-store-password");
    String keyPassword = r.string("cluster.tls.key-password");
    String trustPassword = r.string("cluster.tls.trust-store-password");
    Path keyStore = Path.of(r.string("cluster.tls.key-store"));
    Path trustStore = Path.of(r.string("cluster.tls.trust-store"));
    if (enabled) {
      openStore(r, "cluster.tls.key-store", "cluster.tls.key-store-password", storePassword);
      openStore(r, "cluster.tls.trust-store", "cluster.tls.trust-store-password", trustPassword);
    }
    return new Cluster.Tls(
        enabled,
        keyStore,
        storePassword,
        keyPassword.isEmpty() ? storePassword : keyPassword,
        trustStore,
        trustPassword);
  }

  /**
   * Fails naming {@code key} unless its file is a key store (PKCS12 or JKS) that {@code password}
   * opens; the password itself is never part of the message.
   */
  private static void openStore(ConfigReader r, String key, String passwordKey, String password) {
    String file = r.string(key);
    if (file.isBlank()) {
      throw new SettingsException(
          key,
          "\"\"",
          "a key store file when cluster.tls.enabled = true (scripts/make-cluster-keys)");
    }
    Path p = Path.of(file);
    if (!Files.isRegularFile(p) || !Files.isReadable(p)) {
      throw new SettingsException(
          key, file, "a readable key store file (scripts/make-cluster-keys DIR makes one)");
    }
    try {
      java.security.KeyStore.getInstance(p.toFile(), password.toCharArray());
    } catch (java.io.IOException e) {
      throw new SettingsException(
          key,
          file,
          "a key store that "
              + passwordKey
              + " opens ("
              + (e.getCause() instanceof java.security.UnrecoverableKeyException
                  ? "wrong password"
                  : e.getMessage())
              + ")");
    } catch (java.security.GeneralSecurityException e) {
      throw new SettingsException(key, file, "a PKCS12 or JKS key store (" + e.getMessage() + ")");
    }
  }

  private static List<String> devices(ConfigReader r) {
    List<String> devices = r.strings("train.devices", 1);
    for (String d : devices) {
      if (!d.matches("cpu|gpu[0-9]+")) {
        throw new SettingsException("train.devices", devices, "entries \"cpu\" or \"gpuN\"");
      }
    }
    return devices;
  }

  /** A host name or an IP address to bind (not a URL: no scheme, port or path). */
  private static String host(ConfigReader r, String key) {
    String v = r.string(key).trim();
    if (!v.matches("[A-Za-z0-9.-]+|[0-9A-Fa-f:]*:[0-9A-Fa-f:.]*")) {
      throw new SettingsException(
          key, v, "a host name or IP address to bind, e.g. \"127.0.0.1\" or \"0.0.0.0\"");
    }
    return v;
  }

  private static String nonEmpty(ConfigReader r, String key) {
    String v = r.string(key);
    if (v.isBlank()) {
      throw new SettingsException(key, "\"\"", "a non-empty string");
    }
    return v;
  }

  /**
   * "key: then → now" for each of {@code keys} whose value differs between {@code rendered}
   * (another run's {@link #render()}, e.g. the one a checkpoint carries) and these settings.
   */
  public List<String> differences(String rendered, List<String> keys) {
    Config then = ConfigFactory.parseString(rendered);
    List<String> out = new java.util.ArrayList<>();
    for (String k : keys) {
      Object a = then.hasPath(k) ? then.getValue(k).unwrapped() : null;
      Object b = raw.hasPath(k) ? raw.getValue(k).unwrapped() : null;
      if (!java.util.Objects.equals(String.valueOf(a), String.valueOf(b))) {
        out.add(k + ": " + a + " → " + b);
      }
    }
    return out;
  }

  /**
   * The resolved configuration as HOCON text, written into runs/<name>/config.conf and into every
   * checkpoint; the cluster.tls passwords show as "***".
   */
  public String render() {
    Config shown = raw;
    for (String k : SECRET_KEYS) {
      if (shown.hasPath(k) && !shown.getString(k).isEmpty()) {
        shown = shown.withValue(k, com.typesafe.config.ConfigValueFactory.fromAnyRef("***"));
      }
    }
    return shown
        .root()
        .render(ConfigRenderOptions.defaults().setOriginComments(false).setJson(false));
  }

  /**
   * Compute threads of one model runtime: {@code train.compute-threads}, or the cores the decoders
   * leave (at least one).
   */
  public int computeThreads() {
    return train.computeThreads() > 0
        ? train.computeThreads()
        : Math.max(1, Runtime.getRuntime().availableProcessors() - data.decoders());
  }

  /**
   * PyTorch's intra-op thread count for this process: {@code train.compute-threads}, or the cores
   * the decoders leave (at least one). Applied once, before the engine starts; later settings
   * cannot change it.
   */
  public void applyComputeThreads() {
    int threads = computeThreads();
    if (System.getProperty("ai.djl.pytorch.num_threads") == null) {
      System.setProperty("ai.djl.pytorch.num_threads", Integer.toString(threads));
      System.setProperty("ai.djl.pytorch.num_interop_threads", "1");
    }
  }

  /** A copy with more overrides applied on top (e.g. the demo deriving one run per mode). */
  public Settings with(Map<String, Object> overrides) {
    Config c = raw;
    for (var e : overrides.entrySet()) {
      c = c.withValue(e.getKey(), com.typesafe.config.ConfigValueFactory.fromAnyRef(e.getValue()));
    }
    return from(c);
  }
}

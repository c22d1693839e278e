package org.sakd.monitor;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.sakd.proto.FeedEvent;
import org.sakd.proto.FeedEvents;
import org.sakd.proto.FeedProgress;
import org.sakd.proto.FeedSubscribe;

/**
 * A cluster coordinator's run, read-only, for monitor nodes ({@link RunWatcher}): registered under
 * {@link #KEY}, it follows the run's events.jsonl (every event any part of the run logs, in the
 * order written; an event's id is its line) and the coordinator's progress bars, answers a {@link
 * FeedSubscribe} with the events after the subscriber's last and then sends each new one, and the
 * newest progress snapshot at most once per {@link #PROGRESS_EVERY}. It lives as long as the
 * coordinator's actor system (every attempt of the run), and reads the whole file when it starts,
 * so a resumed coordinator's feed has the run's history and its ids are the ones a monitor knows.
 */
public final class RunFeed extends AbstractBehavior<Object> {

  /** Where monitor nodes find the feed. */
  public static final ServiceKey<Object> KEY = ServiceKey.create(Object.class, "sakd-run-feed");

  /** How often the feed looks for new lines of events.jsonl. */
  static final Duration TICK = Duration.ofMillis(250);

  static final Duration PROGRESS_EVERY = Duration.ofSeconds(1);

  /**
   * The JSON of one {@link FeedEvents} at most, and of one event (a larger one is sent without its
   * fields, which a run's events never need): the ordinary lane's frames are 256 KiB.
   */
  static final int BATCH_BYTES = 128 << 10;

  private record Tick() {}

  private final Path file;
  private final ActorRefResolver resolver;
  private final Consumer<Progress.Snapshot> progressListener;
  private final List<FeedEvent> events = new ArrayList<>();
  private final Set<ActorRef<Object>> subscribers = new HashSet<>();
  private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
  private long offset;
  private Progress.Snapshot progress;
  private boolean progressSent = true;
  private long progressSentNanos;

  private RunFeed(ActorContext<Object> ctx, Path eventsFile) {
    super(ctx);
    this.file = eventsFile;
    this.resolver = ActorRefResolver.get(ctx.getSystem());
    ActorRef<Object> self = ctx.getSelf();
    this.progressListener = self::tell;
    Progress.addListener(progressListener);
    ctx.getSystem().receptionist().tell(Receptionist.register(KEY, self));
  }

  /** The feed of the run whose events.jsonl is {@code eventsFile} (it need not exist yet). */
  public static Behavior<Object> create(Path eventsFile) {
    return Behaviors.setup(
        ctx ->
            Behaviors.withTimers(
                timers -> {
                  timers.startTimerWithFixedDelay(new Tick(), TICK);
                  return new RunFeed(ctx, eventsFile);
                }));
  }

  @Override
  public Receive<Object> createReceive() {
    return newReceiveBuilder()
        .onMessage(FeedSubscribe.class, this::onSubscribe)
        .onMessage(Tick.class, this::onTick)
        .onMessage(Progress.Snapshot.class, this::onProgress)
        .onSignal(Terminated.class, this::onTerminated)
        .onSignal(PostStop.class, this::onPostStop)
        .build();
  }

  private Behavior<Object> onSubscribe(FeedSubscribe s) {
    ActorRef<Object> monitor = resolver.resolveActorRef(s.getSubscriber());
    if (subscribers.add(monitor)) {
      getContext().watch(monitor);
    }
    int from = Math.min(Math.max(0, s.getAfter()), events.size());
    send(List.of(monitor), events.subList(from, events.size()));
    return this;
  }

  private Behavior<Object> onTick(Tick t) {
    List<FeedEvent> fresh = readNewLines();
    events.addAll(fresh);
    send(subscribers, fresh);
    long now = System.nanoTime();
    if (!progressSent && now - progressSentNanos >= PROGRESS_EVERY.toNanos()) {
      FeedProgress p =
          FeedProgress.newBuilder()
              .setPhase(progress.phase())
              .setEpoch(progress.epoch())
              .setDone(progress.done())
              .setTotal(progress.total())
              .setClipsPerSecond(progress.clipsPerSecond())
              .setSmoothedLoss(progress.smoothedLoss())
              .build();
      subscribers.forEach(m -> m.tell(p));
      progressSent = true;
      progressSentNanos = now;
    }
    return this;
  }

  private Behavior<Object> onProgress(Progress.Snapshot p) {
    progress = p;
    progressSent = false;
    return this;
  }

  private Behavior<Object> onTerminated(Terminated t) {
    subscribers.remove(t.getRef().<Object>unsafeUpcast());
    return this;
  }

  private Behavior<Object> onPostStop(PostStop s) {
    Progress.removeListener(progressListener);
    return this;
  }

  /** The events in batches of at most {@link #BATCH_BYTES} of JSON. */
  private static void send(Iterable<ActorRef<Object>> to, List<FeedEvent> events) {
    FeedEvents.Builder batch = FeedEvents.newBuilder();
    int bytes = 0;
    for (FeedEvent e : events) {
      if (bytes > 0 && bytes + e.getJson().length() > BATCH_BYTES) {
        FeedEvents b = batch.build();
        to.forEach(m -> m.tell(b));
        batch.clear();
        bytes = 0;
      }
      batch.addEvents(e);
      bytes += e.getJson().length();
    }
    if (bytes > 0) {
      FeedEvents b = batch.build();
      to.forEach(m -> m.tell(b));
    }
  }

  /** The complete lines appended to the file since the last tick, as events. */
  private List<FeedEvent> readNewLines() {
    List<FeedEvent> out = new ArrayList<>();
    if (!Files.exists(file)) {
      return out;
    }
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
      ByteBuffer buf = ByteBuffer.allocate(64 << 10);
      ch.position(offset);
      int n;
      while ((n = ch.read(buf)) > 0) {
        offset += n;
        for (int i = 0; i < buf.position(); i++) {
          byte b = buf.get(i);
          if (b == '\n') {
            out.add(
                event(events.size() + out.size() + 1, partial.toString(StandardCharsets.UTF_8)));
            partial.reset();
          } else {
            partial.write(b);
          }
        }
        buf.clear();
      }
    } catch (IOException e) {
      getContext().getLog().warn("cannot read {} for the monitor: {}", file, e.toString());
    }
    return out;
  }

  /**
   * Line {@code id} as an event. A line that is not a JSON object (the torn last line of a
   * coordinator killed while it wrote, which the resumed run's next event continues) keeps its id
   * as an "unreadable" event, so that the ids stay the file's line numbers.
   */
  private static FeedEvent event(int id, String json) {
    String type;
    try {
      type = String.valueOf(Json.read(json).get("type"));
    } catch (IllegalArgumentException e) {
      type = "unreadable";
      json = Json.write(java.util.Map.of("type", type, "line", id, "bytes", json.length()));
    }
    if (json.length() > BATCH_BYTES) {
      json = Json.write(java.util.Map.of("type", type, "omitted_bytes", json.length()));
    }
    return FeedEvent.newBuilder().setId(id).setType(type).setJson(json).build();
  }
}

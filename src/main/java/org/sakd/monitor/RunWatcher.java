package org.sakd.monitor;

import java.util.HashSet;
import java.util.Set;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorRefResolver;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Subscribe;
import org.sakd.proto.FeedEvent;
import org.sakd.proto.FeedEvents;
import org.sakd.proto.FeedProgress;
import org.sakd.proto.FeedSubscribe;

/**
 * A monitor node's view of the run: it follows the cluster's receptionist for the coordinator's
 * {@link RunFeed}, subscribes to every feed that appears (a coordinator restarted after a kill
 * registers a new one) with the id of the last event it has, and puts each event it has not seen,
 * in id order, and each progress snapshot on the {@link RunBoard} its dashboard serves. It only
 * receives: nothing it sends changes the run. The board outlives it (a node that rejoins the
 * cluster starts a new watcher over the same board), so it asks from the board's last event.
 *
 * <p>When the last coordinator leaves the cluster (a coordinator that ended, or was stopped), this
 * node leaves it too, with {@link #COORDINATOR_LEFT}, so that it can join again: a coordinator that
 * starts again on its address forms a new cluster of its seeds, and the monitor node is not one.
 */
public final class RunWatcher extends AbstractBehavior<Object> {

  /** Why a monitor node's actor system shuts down when its cluster has no coordinator left. */
  public static final CoordinatedShutdown.Reason COORDINATOR_LEFT = new CoordinatorLeft();

  private static final class CoordinatorLeft implements CoordinatedShutdown.Reason {
    @Override
    public String toString() {
      return "CoordinatorLeft";
    }
  }

  private final RunBoard board;
  private final String self;
  private final Set<ActorRef<Object>> feeds = new HashSet<>();

  private RunWatcher(ActorContext<Object> ctx, RunBoard board) {
    super(ctx);
    this.board = board;
    this.self = ActorRefResolver.get(ctx.getSystem()).toSerializationFormat(ctx.getSelf());
    ActorRef<Receptionist.Listing> listings =
        ctx.messageAdapter(Receptionist.Listing.class, l -> l);
    ctx.getSystem().receptionist().tell(Receptionist.subscribe(RunFeed.KEY, listings));
    Cluster.get(ctx.getSystem())
        .subscriptions()
        .tell(
            Subscribe.create(
                ctx.messageAdapter(ClusterEvent.MemberRemoved.class, e -> e),
                ClusterEvent.MemberRemoved.class));
  }

  public static Behavior<Object> create(RunBoard board) {
    return Behaviors.setup(ctx -> new RunWatcher(ctx, board));
  }

  @Override
  public Receive<Object> createReceive() {
    return newReceiveBuilder()
        .onMessage(Receptionist.Listing.class, this::onListing)
        .onMessage(FeedEvents.class, this::onEvents)
        .onMessage(FeedProgress.class, this::onProgress)
        .onMessage(ClusterEvent.MemberRemoved.class, this::onRemoved)
        .build();
  }

  private Behavior<Object> onRemoved(ClusterEvent.MemberRemoved removed) {
    Member gone = removed.member();
    boolean another = false;
    for (Member m : Cluster.get(getContext().getSystem()).state().getMembers()) {
      another |= m.hasRole("coordinator") && !m.uniqueAddress().equals(gone.uniqueAddress());
    }
    if (gone.hasRole("coordinator") && !another) {
      getContext()
          .getLog()
          .info(
              "the coordinator {} left the cluster; leaving to join its next one", gone.address());
      CoordinatedShutdown.get(getContext().getSystem()).runAll(COORDINATOR_LEFT);
    }
    return this;
  }

  private Behavior<Object> onListing(Receptionist.Listing l) {
    Set<ActorRef<Object>> now = l.getServiceInstances(RunFeed.KEY);
    for (ActorRef<Object> feed : now) {
      if (!feeds.contains(feed)) {
        getContext().getLog().info("following the run feed {}", feed.path().address());
        feed.tell(
            FeedSubscribe.newBuilder().setSubscriber(self).setAfter(board.lastEventId()).build());
      }
    }
    feeds.clear();
    feeds.addAll(now);
    return this;
  }

  private Behavior<Object> onEvents(FeedEvents batch) {
    for (FeedEvent e : batch.getEventsList()) {
      // a feed's backlog and its live events may overlap with what came from an earlier one
      if (e.getId() == board.lastEventId() + 1) {
        board.eventLine(e.getJson());
      }
    }
    return this;
  }

  private Behavior<Object> onProgress(FeedProgress p) {
    board.progress(
        new Progress.Snapshot(
            p.getPhase(),
            p.getEpoch(),
            p.getDone(),
            p.getTotal(),
            p.getClipsPerSecond(),
            p.getSmoothedLoss()));
    return this;
  }
}

package dev.baton.coordinator.worker;

import dev.baton.client.Times;
import dev.baton.coordinator.dispatch.Placement;
import dev.baton.proto.v1.CoordinatorMessage;
import dev.baton.proto.v1.Hello;
import dev.baton.proto.v1.Worker;
import dev.baton.proto.v1.WorkerState;
import io.grpc.stub.ServerCallStreamObserver;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/**
 * One agent's connection, as the dispatcher sees it: identity, capacity, the attempts it holds, liveness. Owned
 * by the dispatcher's thread (every field is read and written there); only {@link #send} may be called from
 * elsewhere and it is synchronized on the stream.
 */
public final class WorkerSession implements Placement.Candidate {
  /** An attempt held by this worker. */
  public record Held(String runId, int attempt, int slots) {}

  private final Hello hello;
  private final java.util.Map<String, String> refusedJobs = new java.util.concurrent.ConcurrentHashMap<>();
  private final ServerCallStreamObserver<CoordinatorMessage> stream;
  private final String address;
  private final Instant connectTime;
  private final Map<String, Held> held = new HashMap<>();
  private Instant lastHeard;
  private volatile boolean connected = true;
  private boolean draining;
  /** Why it takes no work although it heartbeats; null while healthy. */
  private String unhealthy;
  /** Attempts assigned to it that it has not reported started yet: run id -> when they were assigned. */
  private final Map<String, Instant> unstarted = new HashMap<>();
  private int usedSlots;
  private long lastAssignedSequence;

  public WorkerSession(Hello hello, ServerCallStreamObserver<CoordinatorMessage> stream, String address,
      Instant now) {
    this.hello = hello;
    this.stream = stream;
    this.address = address;
    this.connectTime = now;
    this.lastHeard = now;
  }

  /** The hello the agent opened its stream with. */
  public Hello helloMessage() {
    return hello;
  }

  public String id() {
    return hello.getAgentId();
  }

  public String name() {
    return hello.getName();
  }

  public int slots() {
    return hello.getSlots();
  }

  @Override
  public Map<String, String> labels() {
    return hello.getLabelsMap();
  }

  @Override
  public int freeSlots() {
    return slots() - usedSlots;
  }

  @Override
  public boolean acceptsWork() {
    return connected && !draining && unhealthy == null && stream.isReady();
  }

  @Override
  public long lastAssignedSequence() {
    return lastAssignedSequence;
  }

  public Map<String, Held> held() {
    return held;
  }

  public void hold(Held attempt, long sequence) {
    if (held.put(attempt.runId(), attempt) == null) {
      usedSlots += attempt.slots();
    }
    lastAssignedSequence = sequence;
  }

  /** A run assigned just now: it must be reported started within the start bound. */
  public void awaitStart(String runId, Instant assignedAt) {
    unstarted.put(runId, assignedAt);
  }

  /** The agent reported the run's process started. */
  public void started(String runId) {
    unstarted.remove(runId);
  }

  /** Assigned runs not reported started, with when they were assigned. */
  public Map<String, Instant> unstarted() {
    return unstarted;
  }

  /** Takes no new work from now on, for {@code reason}, until the agent reconnects. */
  public void markUnhealthy(String reason) {
    unhealthy = reason;
  }

  /**
   * The worker refused a run of {@code job} by its limits (allowed commands, users): it is sent no more runs of that
   * job while this session lasts (a reconnect may come with other limits).
   */
  public void refusedJob(String job, String why) {
    refusedJobs.put(job, why);
  }

  @Override
  public boolean refuses(String job) {
    return refusedJobs.containsKey(job);
  }

  /** Forgets a run; returns whether it was held. */
  public boolean release(String runId) {
    unstarted.remove(runId);
    Held gone = held.remove(runId);
    if (gone != null) {
      usedSlots -= gone.slots();
      return true;
    }
    return false;
  }

  public Instant lastHeard() {
    return lastHeard;
  }

  public void heard(Instant now) {
    lastHeard = now;
  }

  public boolean connected() {
    return connected;
  }

  public void disconnected() {
    connected = false;
  }

  @Override
  public boolean draining() {
    return draining;
  }

  public void drain() {
    draining = true;
  }

  /** Sends on the stream; a broken stream is noticed by its own callbacks, so failures here are dropped. */
  public void send(CoordinatorMessage message) {
    synchronized (stream) {
      if (!connected || stream.isCancelled()) {
        return;
      }
      try {
        stream.onNext(message);
      } catch (RuntimeException e) {
        connected = false;
      }
    }
  }

  /** Ends the stream from the coordinator's side. */
  public void close(io.grpc.Status status) {
    synchronized (stream) {
      connected = false;
      try {
        stream.onError(status.asRuntimeException());
      } catch (RuntimeException ignored) {
        // already closed
      }
    }
  }

  /** The API view. */
  public Worker toProto() {
    return Worker.newBuilder()
        .setId(id())
        .setName(name())
        .putAllLabels(labels())
        .setSlots(slots())
        .setFreeSlots(Math.max(0, freeSlots()))
        .setState(unhealthy != null ? WorkerState.WORKER_STATE_UNHEALTHY
            : draining ? WorkerState.WORKER_STATE_DRAINING : WorkerState.WORKER_STATE_LIVE)
        .setStateReason(unhealthy != null ? unhealthy : "")
        .setLastHeartbeatTime(Times.toProto(lastHeard))
        .setConnectTime(Times.toProto(connectTime))
        .addAllRunIds(held.keySet().stream().sorted().toList())
        .setAgentVersion(hello.getAgentVersion())
        .setAddress(address)
        .build();
  }
}

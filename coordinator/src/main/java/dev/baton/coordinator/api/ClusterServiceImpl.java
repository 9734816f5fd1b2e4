package dev.baton.coordinator.api;

import dev.baton.coordinator.dispatch.DispatchSettingsStore;
import dev.baton.coordinator.dispatch.Dispatcher;
import dev.baton.proto.v1.GetDispatchPolicyRequest;
import dev.baton.proto.v1.GetWorkerRequest;
import dev.baton.proto.v1.SetDispatchPolicyRequest;
import dev.baton.coordinator.dispatch.ReadyQueue;
import dev.baton.proto.v1.DrainWorkerRequest;
import dev.baton.proto.v1.ListWorkersRequest;
import dev.baton.proto.v1.ListWorkersResponse;
import dev.baton.proto.v1.Worker;
import dev.baton.coordinator.job.JobRegistry;
import dev.baton.coordinator.store.Store;
import dev.baton.proto.v1.ClusterServiceGrpc;
import dev.baton.proto.v1.ClusterStatus;
import dev.baton.proto.v1.CoordinatorInfo;
import dev.baton.proto.v1.CoordinatorRole;
import dev.baton.proto.v1.DispatchSettings;
import dev.baton.proto.v1.GetClusterStatusRequest;
import dev.baton.proto.v1.Priority;
import dev.baton.proto.v1.QueueDepth;
import io.grpc.stub.StreamObserver;
import java.util.Map;

/**
 * ClusterService: the status of this (standalone) coordinator, its workers, drain, and the dispatch policy.
 */
public final class ClusterServiceImpl extends ClusterServiceGrpc.ClusterServiceImplBase {
  /** What a status reports about the coordinator itself, fixed at start. */
  /** Who this coordinator is; the address is read when asked, as the port is known only once it listens. */
  /**
   * Who answers: its name, address, role and epoch, when it started, and the other coordinators it knows (in HA the
   * leader's standbys, as the leader sees them; empty when standalone).
   */
  public record Identity(String name, java.util.function.Supplier<String> address, CoordinatorRole role, long epoch,
      com.google.protobuf.Timestamp startTime, String version,
      java.util.function.Supplier<java.util.List<CoordinatorInfo>> standbys) {}

  private final Identity identity;
  private final JobRegistry jobs;
  private final ReadyQueue readyQueue;
  private final Dispatcher dispatcher;
  private final DispatchSettingsStore dispatchSettings;

  public ClusterServiceImpl(Identity identity, JobRegistry jobs, ReadyQueue readyQueue, Dispatcher dispatcher,
      DispatchSettingsStore dispatchSettings) {
    this.identity = identity;
    this.jobs = jobs;
    this.readyQueue = readyQueue;
    this.dispatcher = dispatcher;
    this.dispatchSettings = dispatchSettings;
  }

  @Override
  public void getDispatchPolicy(GetDispatchPolicyRequest request, StreamObserver<DispatchSettings> response) {
    Calls.unary(response, dispatchSettings::current);
  }

  @Override
  public void setDispatchPolicy(SetDispatchPolicyRequest request, StreamObserver<DispatchSettings> response) {
    Calls.unary(response, () -> {
      DispatchSettings set = dispatchSettings.set(request.getSettings());
      dispatcher.wake();
      return set;
    });
  }

  @Override
  public void listWorkers(ListWorkersRequest request, StreamObserver<ListWorkersResponse> response) {
    Calls.unary(response, () ->
        ListWorkersResponse.newBuilder().addAllWorkers(Calls.await(dispatcher.workers())).build());
  }

  @Override
  public void drainWorker(DrainWorkerRequest request, StreamObserver<Worker> response) {
    Calls.unary(response, () -> Calls.await(dispatcher.drain(request.getWorker())));
  }

  @Override
  public void getWorker(GetWorkerRequest request, StreamObserver<Worker> response) {
    Calls.unary(response, () -> Calls.await(dispatcher.worker(request.getWorker())));
  }

  @Override
  public void getClusterStatus(GetClusterStatusRequest request, StreamObserver<ClusterStatus> response) {
    Calls.unary(response, () -> {
      CoordinatorInfo self = CoordinatorInfo.newBuilder()
          .setName(identity.name())
          .setAddress(identity.address().get())
          .setRole(identity.role())
          .setInSync(true)
          .setConnected(true)
          .build();
      ClusterStatus.Builder status = ClusterStatus.newBuilder()
          .setSelf(self)
          .setLeaderAddress(identity.address().get())
          .setEpoch(identity.epoch())
          .addCoordinators(self)
          .addAllCoordinators(identity.standbys().get())
          .setDispatch(dispatchSettings.current())
          .setJobs(jobs.count())
          .setStartTime(identity.startTime())
          .setVersion(identity.version())
          .setSchemaVersion(Store.SCHEMA_VERSION);
      for (Worker worker : Calls.await(dispatcher.workers())) {
        status.setLiveWorkers(status.getLiveWorkers() + 1)
            .setTotalSlots(status.getTotalSlots() + worker.getSlots())
            .setFreeSlots(status.getFreeSlots() + worker.getFreeSlots());
      }
      for (Map.Entry<Priority, Long> depth : readyQueue.depth().entrySet()) {
        status.addQueueDepth(QueueDepth.newBuilder().setPriority(depth.getKey()).setQueued(depth.getValue()));
      }
      return status.setActiveRuns(Calls.await(dispatcher.activeRunCount())).build();
    });
  }
}

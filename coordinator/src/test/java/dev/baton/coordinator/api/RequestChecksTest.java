package dev.baton.coordinator.api;

import static dev.baton.coordinator.testing.GrpcAssertions.violatedFields;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Duration;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.FieldMask;
import com.google.protobuf.Message;
import com.google.protobuf.Timestamp;
import com.google.protobuf.util.Timestamps;
import dev.baton.coordinator.testing.FakeClock;
import dev.baton.coordinator.testing.InProcessCoordinator;
import dev.baton.coordinator.testing.Jobs;
import dev.baton.proto.v1.BackfillJobRequest;
import dev.baton.proto.v1.CancelRunRequest;
import dev.baton.proto.v1.ClusterServiceGrpc;
import dev.baton.proto.v1.CreateJobRequest;
import dev.baton.proto.v1.DeleteJobRequest;
import dev.baton.proto.v1.DispatchPolicy;
import dev.baton.proto.v1.DispatchSettings;
import dev.baton.proto.v1.DrainWorkerRequest;
import dev.baton.proto.v1.ExplainScheduleRequest;
import dev.baton.proto.v1.GetClusterStatusRequest;
import dev.baton.proto.v1.GetDispatchPolicyRequest;
import dev.baton.proto.v1.GetJobRequest;
import dev.baton.proto.v1.GetRunRequest;
import dev.baton.proto.v1.GetWaveRequest;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.JobServiceGrpc;
import dev.baton.proto.v1.ListDeadLettersRequest;
import dev.baton.proto.v1.ListJobsRequest;
import dev.baton.proto.v1.ListRunsRequest;
import dev.baton.proto.v1.ListWorkersRequest;
import dev.baton.proto.v1.PauseJobRequest;
import dev.baton.proto.v1.PurgeDeadLetterRequest;
import dev.baton.proto.v1.RedriveDeadLetterRequest;
import dev.baton.proto.v1.ResumeJobRequest;
import dev.baton.proto.v1.RetryPolicy;
import dev.baton.proto.v1.RetryStrategy;
import dev.baton.proto.v1.RunServiceGrpc;
import dev.baton.proto.v1.SetDispatchPolicyRequest;
import dev.baton.proto.v1.StreamOutputRequest;
import dev.baton.proto.v1.TriggerJobRequest;
import dev.baton.proto.v1.UpdateJobRequest;
import dev.baton.proto.v1.WatchRunEventsRequest;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.ServiceDescriptor;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.ProtoMethodDescriptorSupplier;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.stub.ClientCalls;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every field of every client request, found from the service descriptors: each gets a malformed value of its type,
 * sent on top of an otherwise valid request, and must be refused INVALID_ARGUMENT with a violation naming the
 * field, changing nothing. A new RPC without a baseline here, or a new field of a type with no malformed value
 * here, fails the test, so no request goes unchecked.
 */
class RequestChecksTest {
  private static final List<ServiceDescriptor> CLIENT_SERVICES = List.of(JobServiceGrpc.getServiceDescriptor(),
      RunServiceGrpc.getServiceDescriptor(), ClusterServiceGrpc.getServiceDescriptor());
  /** Fields whose every value is meaningful: nothing to refuse. */
  private static final Set<String> ANY_VALUE = Set.of("baton.v1.Job.enabled", "baton.v1.ListJobsRequest.enabled",
      "baton.v1.DeleteJobRequest.cascade", "baton.v1.TriggerJobRequest.force",
      "baton.v1.StreamOutputRequest.follow", "baton.v1.ListWorkersRequest.include_dead",
      "baton.v1.CreateJobRequest.validate_only", "baton.v1.UpdateJobRequest.validate_only",
      "baton.v1.DeleteJobRequest.validate_only");
  /** Malformed values of fields whose type has none in general. */
  private static final Map<String, Object> MALFORMED_BY_FIELD = Map.of(
      "baton.v1.RetryPolicy.retry_on_exit_codes", 256);

  @TempDir Path dir;
  private InProcessCoordinator coordinator;
  private String runId;
  private final Map<String, Message> baselines = new LinkedHashMap<>();

  @BeforeEach
  void start() throws Exception {
    coordinator = new InProcessCoordinator(dir, FakeClock.at("2026-11-22T10:00:30Z"));
    var jobs = coordinator.client().jobs();
    jobs.createJob(CreateJobRequest.newBuilder().setJob(Jobs.shell("nightly").setSchedule("0 3 * * *")).build());
    jobs.createJob(CreateJobRequest.newBuilder().setJob(Jobs.shell("manual")).build());
    runId = jobs.triggerJob(TriggerJobRequest.newBuilder().setName("manual").build()).getRun().getId();

    // One valid request per RPC: each would be served (most would change something) if it were not malformed.
    baseline(CreateJobRequest.newBuilder().setJob(Jobs.shell("fresh")).build());
    baseline(GetJobRequest.newBuilder().setName("nightly").build());
    baseline(ListJobsRequest.newBuilder().setNamePrefix("n").build());
    baseline(UpdateJobRequest.newBuilder().setJob(Job.newBuilder().setName("nightly").setDescription("changed"))
        .setUpdateMask(FieldMask.newBuilder().addPaths("description")).build());
    baseline(DeleteJobRequest.newBuilder().setName("nightly").build());
    baseline(PauseJobRequest.newBuilder().setName("nightly").build());
    baseline(ResumeJobRequest.newBuilder().setName("nightly").build());
    baseline(TriggerJobRequest.newBuilder().setName("manual").build());
    baseline(BackfillJobRequest.newBuilder().setName("nightly").setFrom(Timestamps.parse("2026-11-20T00:00:00Z"))
        .setTo(Timestamps.parse("2026-11-22T00:00:00Z")).build());
    baseline(ExplainScheduleRequest.newBuilder().setSchedule("0 3 * * *").build());
    baseline(GetRunRequest.newBuilder().setId(runId).build());
    baseline(ListRunsRequest.newBuilder().setJob("manual").build());
    baseline(CancelRunRequest.newBuilder().setId(runId).build());
    baseline(dev.baton.proto.v1.RerunRunRequest.newBuilder().setId(runId).build());
    baseline(dev.baton.proto.v1.ListWavesRequest.newBuilder().setRootJob("manual").build());
    baseline(dev.baton.proto.v1.GetDeadLetterRequest.newBuilder().setRunId(runId).build());
    baseline(dev.baton.proto.v1.GetWorkerRequest.newBuilder().setWorker("w1").build());
    baseline(WatchRunEventsRequest.newBuilder().setRunId(runId).build());
    baseline(StreamOutputRequest.newBuilder().setRunId(runId).build());
    baseline(GetWaveRequest.newBuilder().setId(runId).build());
    baseline(ListDeadLettersRequest.newBuilder().setJob("manual").build());
    baseline(RedriveDeadLetterRequest.newBuilder().setRunId(runId).build());
    baseline(PurgeDeadLetterRequest.newBuilder().setRunId(runId).build());
    baseline(GetClusterStatusRequest.getDefaultInstance());
    baseline(ListWorkersRequest.getDefaultInstance());
    baseline(DrainWorkerRequest.newBuilder().setWorker("w1").build());
    baseline(GetDispatchPolicyRequest.getDefaultInstance());
    baseline(SetDispatchPolicyRequest.newBuilder().setSettings(DispatchSettings.newBuilder()
        .setPolicy(DispatchPolicy.DISPATCH_POLICY_FCFS)).build());
  }

  @AfterEach
  void stop() {
    coordinator.close();
  }

  @Test
  void everyFieldOfEveryRequestRefusesAMalformedValueByNameAndChangesNothing() {
    String before = state();
    List<String> failures = new ArrayList<>();
    int cases = 0;
    for (ServiceDescriptor service : CLIENT_SERVICES) {
      for (MethodDescriptor<?, ?> method : service.getMethods()) {
        Descriptor input = inputType(method);
        Message baseline = baselines.get(input.getFullName());
        assertNotNull(baseline, method.getFullMethodName() + " has no baseline request in this test");
        for (Malformed m : malformedFields(input, "", List.of(), 0)) {
          cases++;
          Message request = with(baseline, m.path(), m.value());
          StatusRuntimeException e = call(method, request);
          if (e == null || e.getStatus().getCode() != Status.Code.INVALID_ARGUMENT
              || !violatedFields(e).contains(m.expectedField())) {
            failures.add(method.getBareMethodName() + " " + m.expectedField() + " = " + m.value() + ": "
                + (e == null ? "accepted" : e.getStatus() + " " + violatedFields(e)));
          }
        }
      }
    }
    assertEquals(List.of(), failures);
    assertTrue(cases > 60, "too few cases generated: " + cases);
    assertEquals(before, state(), "a refused request changed something");
  }

  @Test
  void valuesThatCanNeverWorkAreRefusedNotReplacedByDefaults() {
    String before = state();
    Map<String, UnaryOperator<Job.Builder>> jobs = new LinkedHashMap<>();
    jobs.put("job.slots", j -> j.setSlots(0));
    jobs.put("job.max_catchup", j -> j.setMaxCatchup(0));
    jobs.put("job.max_lost_attempts", j -> j.setMaxLostAttempts(0));
    jobs.put("job.retry.multiplier", j -> j.setRetry(RetryPolicy.newBuilder()
        .setStrategy(RetryStrategy.RETRY_STRATEGY_EXPONENTIAL).setMultiplier(0)));
    jobs.put("job.retry.max_retries", j -> j.setRetry(RetryPolicy.newBuilder()
        .setStrategy(RetryStrategy.RETRY_STRATEGY_FIXED).setMaxRetries((int) 3_000_000_000L)));
    jobs.put("job.retry.retry_on_exit_codes[1]", j -> j.setRetry(RetryPolicy.newBuilder()
        .setStrategy(RetryStrategy.RETRY_STRATEGY_FIXED).setMaxRetries(1).addRetryOnExitCodes(1)
        .addRetryOnExitCodes(-1)));
    jobs.put("job.labels", j -> j.putLabels("has space", "x"));
    jobs.put("job.schedule", j -> j.setSchedule("   "));
    jobs.put("job.timeout", j -> j.setTimeout(Duration.newBuilder().setSeconds(-5)));
    for (Map.Entry<String, UnaryOperator<Job.Builder>> c : jobs.entrySet()) {
      StatusRuntimeException e = call(JobServiceGrpc.getCreateJobMethod(),
          CreateJobRequest.newBuilder().setJob(c.getValue().apply(Jobs.shell("fresh"))).build());
      assertRefused(e, c.getKey());
    }
    assertRefused(call(JobServiceGrpc.getCreateJobMethod(), CreateJobRequest.newBuilder()
        .setJob(Jobs.shell("fresh").setSchedule("at 2026-11-22T10:00:00Z")).build()), "job.schedule");
    assertRefused(call(JobServiceGrpc.getExplainScheduleMethod(), ExplainScheduleRequest.newBuilder()
        .setSchedule("0 3 * * *").setTimezone("Mars/Olympus").build()), "timezone");
    assertEquals(before, state());
  }

  @Test
  void aOneTimeJobWhoseTickPassedCanStillBeUpdatedOtherwise() {
    var jobs = coordinator.client().jobs();
    jobs.createJob(CreateJobRequest.newBuilder().setJob(Jobs.shell("once").setSchedule("in 1 minute")).build());
    coordinator.clock().advance(java.time.Duration.ofMinutes(5));
    Job updated = jobs.updateJob(UpdateJobRequest.newBuilder().setJob(Job.newBuilder().setName("once")
        .setDescription("after the fact")).setUpdateMask(FieldMask.newBuilder().addPaths("description")).build());
    assertEquals("after the fact", updated.getDescription());
  }

  @Test
  void pageTokensAreBoundToTheQueryThatMadeThemAndRefusedOtherwise() {
    var jobs = coordinator.client().jobs();
    for (String name : List.of("a1", "a2", "a3", "b1", "b2")) {
      jobs.createJob(CreateJobRequest.newBuilder().setJob(Jobs.shell(name)).build());
    }
    String token = jobs.listJobs(ListJobsRequest.newBuilder().setNamePrefix("a").setPageSize(1).build())
        .getNextPageToken();
    assertFalse(token.isEmpty());
    // The same query pages on, whatever its page size.
    assertEquals(List.of("a2", "a3"), jobs.listJobs(ListJobsRequest.newBuilder().setNamePrefix("a").setPageSize(5)
        .setPageToken(token).build()).getJobsList().stream().map(Job::getName).toList());
    for (String bad : List.of(token.substring(0, 4), token + "AAAA", "!!", "AQ")) {
      assertRefused(call(JobServiceGrpc.getListJobsMethod(), ListJobsRequest.newBuilder().setNamePrefix("a")
          .setPageToken(bad).build()), "page_token");
    }
    assertRefused(call(JobServiceGrpc.getListJobsMethod(), ListJobsRequest.newBuilder().setNamePrefix("b")
        .setPageToken(token).build()), "page_token");
    assertRefused(call(RunServiceGrpc.getListRunsMethod(), ListRunsRequest.newBuilder().setPageToken(token).build()),
        "page_token");
  }

  @Test
  void oddButWellFormedValuesNeverMakeAnInternalError() {
    List<String> failures = new ArrayList<>();
    for (ServiceDescriptor service : CLIENT_SERVICES) {
      for (MethodDescriptor<?, ?> method : service.getMethods()) {
        if (method.getType() != MethodDescriptor.MethodType.UNARY) {
          continue; // streams of unknown runs: the watch work of this issue
        }
        Descriptor input = inputType(method);
        Message baseline = baselines.get(input.getFullName());
        for (FieldDescriptor field : input.getFields()) {
          if (field.getJavaType() != FieldDescriptor.JavaType.STRING || field.isRepeated()) {
            continue;
          }
          for (String odd : List.of("x y", "-1", "99999999999999999999", "../..", "é", "0")) {
            StatusRuntimeException e = call(method, baseline.toBuilder().setField(field, odd).build());
            if (e != null && Set.of(Status.Code.INTERNAL, Status.Code.UNKNOWN).contains(e.getStatus().getCode())) {
              failures.add(method.getBareMethodName() + " " + field.getName() + " = " + odd + ": " + e.getStatus());
            }
          }
        }
      }
    }
    assertEquals(List.of(), failures);
  }

  @Test
  void bytesThatAreNotTheRequestMessageAreInvalidArgument() {
    MethodDescriptor<byte[], byte[]> raw = MethodDescriptor.<byte[], byte[]>newBuilder()
        .setType(MethodDescriptor.MethodType.UNARY)
        .setFullMethodName(JobServiceGrpc.getCreateJobMethod().getFullMethodName())
        .setRequestMarshaller(new BytesMarshaller()).setResponseMarshaller(new BytesMarshaller()).build();
    // job { name: <0xff 0xfe: not UTF-8> }, then a truncated field.
    for (byte[] body : List.of(new byte[] {0x0a, 0x04, 0x0a, 0x02, (byte) 0xff, (byte) 0xfe},
        new byte[] {0x0a, 0x10, 0x0a})) {
      StatusRuntimeException e = org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
          () -> ClientCalls.blockingUnaryCall(coordinator.client().channel(), raw, CallOptions.DEFAULT, body));
      assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
    }
  }

  private static final class BytesMarshaller implements MethodDescriptor.Marshaller<byte[]> {
    @Override
    public java.io.InputStream stream(byte[] value) {
      return new java.io.ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(java.io.InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
  }

  // ---------------------------------------------------------------------------------------------------------------

  /** A malformed value for the field at {@code path} (descriptors from the request down), refused as that field. */
  private record Malformed(List<FieldDescriptor> path, Object value, String expectedField) {}

  private static List<Malformed> malformedFields(Descriptor type, String prefix, List<FieldDescriptor> above,
      int depth) {
    List<Malformed> out = new ArrayList<>();
    for (FieldDescriptor field : type.getFields()) {
      List<FieldDescriptor> path = new ArrayList<>(above);
      path.add(field);
      String name = prefix.isEmpty() ? field.getName() : prefix + "." + field.getName();
      if (field.isMapField()) {
        FieldDescriptor key = field.getMessageType().findFieldByName("key");
        FieldDescriptor value = field.getMessageType().findFieldByName("value");
        out.add(new Malformed(path, mapEntry(field, "x".repeat(WellFormed.maxBytes(key) + 1), "v"), name));
        out.add(new Malformed(path, mapEntry(field, "k", "v".repeat(WellFormed.maxBytes(value) + 1)),
            name + "[k]"));
        continue;
      }
      String element = field.isRepeated() ? name + "[0]" : name;
      if (field.getJavaType() == FieldDescriptor.JavaType.MESSAGE
          && !Set.of(Duration.getDescriptor(), Timestamp.getDescriptor()).contains(field.getMessageType())) {
        assertTrue(depth < 6, "request nested deeper than this test expects at " + name);
        for (Malformed inner : malformedFields(field.getMessageType(), element, path, depth + 1)) {
          out.add(inner);
        }
        continue;
      }
      Object value = malformedValue(field);
      if (value == null) {
        assertTrue(ANY_VALUE.contains(field.getFullName()), "no malformed value for " + field.getFullName() + " ("
            + field.getType() + "): give it one here, or list it among the fields where any value is valid");
        continue;
      }
      out.add(new Malformed(path, value, element));
    }
    return out;
  }

  private static Object malformedValue(FieldDescriptor field) {
    if (MALFORMED_BY_FIELD.containsKey(field.getFullName())) {
      return MALFORMED_BY_FIELD.get(field.getFullName());
    }
    return switch (field.getType()) {
      case MESSAGE -> field.getMessageType().equals(Duration.getDescriptor())
          ? Duration.newBuilder().setSeconds(1).setNanos(-1).build()
          : Timestamp.newBuilder().setSeconds(253_402_300_800L).build(); // the year 10000
      case ENUM -> field.getEnumType().findValueByNumberCreatingIfUnknown(99);
      case UINT32, FIXED32 -> -1; // 4,294,967,295
      case UINT64, FIXED64 -> -1L;
      case DOUBLE -> Double.NaN;
      case FLOAT -> Float.NaN;
      case STRING -> "x".repeat(WellFormed.maxBytes(field) + 1);
      default -> null;
    };
  }

  private static Message mapEntry(FieldDescriptor map, String key, String value) {
    Descriptor entry = map.getMessageType();
    return DynamicMessage.newBuilder(entry).setField(entry.findFieldByName("key"), key)
        .setField(entry.findFieldByName("value"), value).build();
  }

  /** {@code base} with the value at {@code path} set (or, for a list, added first). */
  private static Message with(Message base, List<FieldDescriptor> path, Object value) {
    FieldDescriptor field = path.get(0);
    Message.Builder builder = base.toBuilder();
    if (path.size() == 1) {
      if (field.isRepeated()) {
        builder.clearField(field).addRepeatedField(field, value);
      } else {
        builder.setField(field, value);
      }
      return builder.build();
    }
    Message inner = field.isRepeated()
        ? DynamicMessage.getDefaultInstance(field.getMessageType())
        : (Message) base.getField(field);
    Message changed = with(inner, path.subList(1, path.size()), value);
    if (field.isRepeated()) {
      builder.clearField(field).addRepeatedField(field, changed);
    } else {
      builder.setField(field, changed);
    }
    return builder.build();
  }

  private void baseline(Message request) {
    baselines.put(request.getDescriptorForType().getFullName(), request);
  }

  private static Descriptor inputType(MethodDescriptor<?, ?> method) {
    return ((ProtoMethodDescriptorSupplier) method.getSchemaDescriptor()).getMethodDescriptor().getInputType();
  }

  /** Calls the method with any message of its input type; the failure, or null when it was served. */
  private StatusRuntimeException call(MethodDescriptor<?, ?> method, Message request) {
    Descriptor input = inputType(method);
    Descriptor output = ((ProtoMethodDescriptorSupplier) method.getSchemaDescriptor()).getMethodDescriptor()
        .getOutputType();
    MethodDescriptor<DynamicMessage, DynamicMessage> dynamic = MethodDescriptor
        .<DynamicMessage, DynamicMessage>newBuilder()
        .setType(method.getType())
        .setFullMethodName(method.getFullMethodName())
        .setRequestMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(input)))
        .setResponseMarshaller(ProtoUtils.marshaller(DynamicMessage.getDefaultInstance(output)))
        .build();
    DynamicMessage body;
    try {
      body = DynamicMessage.parseFrom(input, request.toByteString());
    } catch (com.google.protobuf.InvalidProtocolBufferException e) {
      throw new AssertionError(e);
    }
    CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS);
    try {
      if (method.getType() == MethodDescriptor.MethodType.UNARY) {
        ClientCalls.blockingUnaryCall(coordinator.client().channel(), dynamic, options, body);
      } else {
        Iterator<DynamicMessage> stream =
            ClientCalls.blockingServerStreamingCall(coordinator.client().channel(), dynamic, options, body);
        stream.hasNext(); // the first message or the failure; a served stream is left open
      }
      return null;
    } catch (StatusRuntimeException e) {
      return e;
    }
  }

  private static void assertRefused(StatusRuntimeException e, String field) {
    if (e == null) {
      fail("accepted; expected a refusal naming " + field);
    }
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode(), e.getStatus().toString());
    assertTrue(violatedFields(e).contains(field), field + " not among " + violatedFields(e) + ": " + e.getStatus());
  }

  /**
   * What a refused request must not change: jobs, runs, dead letters, the dispatch policy. (Not a queued run's
   * reason for waiting, which the dispatcher writes when it likes.)
   */
  private String state() {
    var client = coordinator.client();
    return client.jobs().listJobs(ListJobsRequest.getDefaultInstance()).getJobsList() + "\n"
        + client.runs().listRuns(ListRunsRequest.getDefaultInstance()).getRunsList().stream()
            .map(r -> r.toBuilder().clearStateReason().clearUpdateTime().build()).toList() + "\n"
        + client.runs().listDeadLetters(ListDeadLettersRequest.getDefaultInstance()) + "\n"
        + client.cluster().getDispatchPolicy(GetDispatchPolicyRequest.getDefaultInstance());
  }
}

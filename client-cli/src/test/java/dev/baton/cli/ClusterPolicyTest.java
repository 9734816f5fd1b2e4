package dev.baton.cli;

import static dev.baton.cli.JobCommandsTest.assertOneLine;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Duration;
import com.google.protobuf.util.JsonFormat;
import dev.baton.cli.CliFixture.Result;
import dev.baton.proto.v1.ClusterStatus;
import dev.baton.proto.v1.DispatchPolicy;
import dev.baton.proto.v1.DispatchSettings;
import dev.baton.proto.v1.GetDispatchPolicyRequest;
import dev.baton.proto.v1.SetDispatchPolicyRequest;
import io.grpc.Status;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** {@code cluster policy get|set}. */
class ClusterPolicyTest {
  private CliFixture cli;

  @BeforeEach
  void start() throws Exception {
    cli = new CliFixture();
  }

  @AfterEach
  void stop() throws Exception {
    cli.close();
  }

  private static DispatchSettings settings(DispatchPolicy policy, long agingSeconds) {
    return DispatchSettings.newBuilder().setPolicy(policy)
        .setAging(Duration.newBuilder().setSeconds(agingSeconds)).build();
  }

  @Test
  void getPrintsThePolicyAndItsAging() throws Exception {
    Result r = cli.run("cluster", "policy", "get");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("priority (aging 1m)\n", r.out());
    assertEquals(List.of(GetDispatchPolicyRequest.getDefaultInstance()), cli.fake.requests("GetDispatchPolicy"));

    Result json = cli.run("cluster", "policy", "get", "-o", "json");
    DispatchSettings.Builder parsed = DispatchSettings.newBuilder();
    JsonFormat.parser().merge(json.out(), parsed);
    assertEquals(FakeBaton.DEFAULT_DISPATCH, parsed.build());

    Map<String, Object> yaml = new Yaml().load(cli.run("cluster", "policy", "get", "-o", "yaml").out());
    assertEquals(Map.of("policy", "priority", "aging", "1m"), yaml);
  }

  @Test
  void agingIsShownOnlyUnderThePriorityPolicy() {
    cli.fake.answer("GetDispatchPolicy", settings(DispatchPolicy.DISPATCH_POLICY_ROUND_ROBIN, 60));
    assertEquals("round-robin\n", cli.run("cluster", "policy", "get").out());

    cli.fake.answer("GetClusterStatus", ClusterStatus.newBuilder()
        .setDispatch(settings(DispatchPolicy.DISPATCH_POLICY_SJF, 60)).build());
    assertTrue(cli.run("cluster", "status").out().contains("Dispatch:     sjf\n"));
  }

  @Test
  void setSendsThePolicyAndPrintsTheSettingsInForce() {
    Result r = cli.run("cluster", "policy", "set", "round-robin");

    assertEquals(0, r.exitCode(), r.err());
    assertEquals("dispatch policy: round-robin\n", r.out());

    Result aging = cli.run("cluster", "policy", "set", "PRIORITY", "--aging", "30s");

    assertEquals(0, aging.exitCode(), aging.err());
    assertEquals("dispatch policy: priority (aging 30s)\n", aging.out());
    assertEquals(List.of(
            SetDispatchPolicyRequest.newBuilder().setSettings(DispatchSettings.newBuilder()
                .setPolicy(DispatchPolicy.DISPATCH_POLICY_ROUND_ROBIN)).build(),
            SetDispatchPolicyRequest.newBuilder().setSettings(settings(DispatchPolicy.DISPATCH_POLICY_PRIORITY, 30))
                .build()),
        cli.fake.requests("SetDispatchPolicy"));
  }

  @Test
  void setPrintsTheSettingsForScripts() throws Exception {
    Result r = cli.run("cluster", "policy", "set", "fcfs", "-o", "json");

    assertEquals(0, r.exitCode(), r.err());
    DispatchSettings.Builder parsed = DispatchSettings.newBuilder();
    JsonFormat.parser().merge(r.out(), parsed);
    assertEquals(settings(DispatchPolicy.DISPATCH_POLICY_FCFS, 60), parsed.build());
  }

  @Test
  void anUnknownPolicyOrAgingWithoutPriorityIsAUsageError() {
    Result unknown = cli.run("cluster", "policy", "set", "lifo");
    assertEquals(2, unknown.exitCode());
    assertOneLine(unknown.err());
    assertTrue(unknown.err().contains("'lifo' is not one of priority, fcfs, sjf, round-robin"), unknown.err());

    Result aging = cli.run("cluster", "policy", "set", "fcfs", "--aging", "5m");
    assertEquals(2, aging.exitCode());
    assertEquals("baton: --aging applies only to the priority policy; see 'baton cluster policy set --help'\n",
        aging.err());

    Result badDuration = cli.run("cluster", "policy", "set", "priority", "--aging", "soon");
    assertEquals(2, badDuration.exitCode());
    assertOneLine(badDuration.err());
    assertTrue(cli.fake.calls().isEmpty());
  }

  @Test
  void aRefusedSettingIsOneLineAndExitOne() {
    cli.fake.answer("SetDispatchPolicy", Status.INVALID_ARGUMENT.withDescription("settings.aging: between 1s and 1d"));

    Result r = cli.run("cluster", "policy", "set", "priority", "--aging", "2d");

    assertEquals(1, r.exitCode());
    assertEquals("", r.out());
    assertEquals("baton: INVALID_ARGUMENT: settings.aging: between 1s and 1d\n", r.err());
  }

  @Test
  void getFailureIsOneLineAndExitOne() {
    cli.fake.answer("GetDispatchPolicy", Status.PERMISSION_DENIED.withDescription("token 'ci' may not read it"));

    Result r = cli.run("cluster", "policy", "get");

    assertEquals(1, r.exitCode());
    assertEquals("", r.out());
    assertEquals("baton: PERMISSION_DENIED: token 'ci' may not read it\n", r.err());
  }
}

package dev.baton.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.baton.client.BatonClient;
import dev.baton.client.Credentials;
import dev.baton.it.fixture.AgentProcess;
import dev.baton.it.fixture.Browser;
import dev.baton.it.fixture.CoordinatorProcess;
import dev.baton.it.fixture.Deadline;
import dev.baton.it.fixture.Runs;
import dev.baton.proto.v1.Command;
import dev.baton.proto.v1.CreateTokenRequest;
import dev.baton.proto.v1.GetJobRequest;
import dev.baton.proto.v1.Job;
import dev.baton.proto.v1.ListDeadLettersRequest;
import dev.baton.proto.v1.ListRunsRequest;
import dev.baton.proto.v1.ListWorkersRequest;
import dev.baton.proto.v1.RetryPolicy;
import dev.baton.proto.v1.RetryStrategy;
import dev.baton.proto.v1.Role;
import dev.baton.proto.v1.Run;
import dev.baton.proto.v1.RunState;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * The dashboard in a real browser (Debian's headless Chromium through chromedriver) against a real coordinator and
 * agent: every page loads, a triggered job's live log arrives (stdout and stderr told apart), a wave's graph opens
 * and leads to a run, a job is paused, a dead letter redriven — and with auth on, a token login, and a viewer sees
 * the actions it may not take switched off. Each page's screenshot goes to {@code target/screenshots/} (the
 * README's pictures come from there).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardTest {
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir static Path work;
  private static CoordinatorProcess coordinator;
  private static AgentProcess agent;
  private static BatonClient client;
  private static Browser browser;

  @BeforeAll
  static void start() throws Exception {
    coordinator = new CoordinatorProcess(work).start();
    agent = new AgentProcess(work, "browser-agent", "--slots", "4", "--labels", "zone=a").start(coordinator.target());
    client = BatonClient.connect(coordinator.target());
    Deadline.await(WAIT, "the agent to connect", () ->
        client.cluster().listWorkers(ListWorkersRequest.getDefaultInstance()).getWorkersCount() == 1);
    Runs.create(client, Job.newBuilder().setName("nightly-backup").setSchedule("every 1 hour")
        .setCommand(Command.newBuilder().setShell("true")));
    Runs.create(client, Job.newBuilder().setName("slow-logs").setCommand(Command.newBuilder().setShell(
        "for i in $(seq 1 16); do echo \"line $i\"; echo \"err $i\" >&2; sleep 0.5; done")));
    Runs.create(client, Job.newBuilder().setName("extract").setCommand(Command.newBuilder().setShell("echo x")));
    Runs.create(client, Job.newBuilder().setName("transform").addDependencies("extract")
        .setCommand(Command.newBuilder().setShell("echo y")));
    Runs.create(client, Job.newBuilder().setName("load").addDependencies("transform")
        .setCommand(Command.newBuilder().setShell("echo z")));
    Runs.create(client, Job.newBuilder().setName("flaky").setRetry(RetryPolicy.newBuilder()
            .setStrategy(RetryStrategy.RETRY_STRATEGY_FIXED).setMaxRetries(1)
            .setInitialDelay(com.google.protobuf.util.Durations.fromMillis(200)))
        .setCommand(Command.newBuilder().setShell("echo broken >&2; exit 2")));
    Runs.awaitFinal(client, Runs.trigger(client, "flaky").getId(), WAIT);
    Runs.awaitSucceeded(client, Runs.trigger(client, "nightly-backup").getId(), WAIT);
    browser = new Browser(work);
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable c : new AutoCloseable[] {browser, client, agent, coordinator}) {
      try {
        if (c != null) {
          c.close();
        }
      } catch (Exception ignored) {
        // best effort
      }
    }
  }

  /** Opens a page of the dashboard and waits until it has loaded. */
  private static void page(String hash, String loaded) {
    browser.open(coordinator.httpBase() + "/ui/#" + hash);
    browser.await(d -> loaded.equals(main(d).getAttribute("data-loaded")) ? true : null);
  }

  private static WebElement main(WebDriver d) {
    return d.findElement(By.id("main"));
  }

  private static WebElement testid(String id) {
    return browser.driver().findElement(By.cssSelector("[data-testid='" + id + "']"));
  }

  @Test
  @Order(1)
  void theOverviewShowsTheLeaderTheWorkersAndTheLastDaysFailures() throws Exception {
    page("/", "/");
    assertEquals(coordinator.target(), testid("leader").findElement(By.className("v")).getText());
    WebElement worker = browser.driver().findElement(By.cssSelector("[data-worker='browser-agent']"));
    assertTrue(worker.getText().contains("zone=a"), worker.getText());
    assertTrue(testid("failures").getText().contains("flaky"), testid("failures").getText());
    browser.screenshot("overview");
  }

  @Test
  @Order(2)
  void theJobsPageSearchesByName() throws Exception {
    page("/jobs", "/jobs");
    assertEquals(6, browser.driver().findElements(By.cssSelector("[data-testid='jobs'] tbody tr[data-job]")).size());
    browser.screenshot("jobs");
    WebElement search = testid("job-search");
    search.sendKeys("slow\n");
    browser.await(d -> d.findElements(By.cssSelector("[data-testid='jobs'] tbody tr[data-job]")).size() == 1);
    assertEquals("slow-logs", browser.driver().findElement(By.cssSelector("tr[data-job]")).getAttribute("data-job"));
  }

  @Test
  @Order(3)
  void aTriggeredJobsLiveLogArrivesWithStderrToldApart() throws Exception {
    page("/jobs?q=slow", "/jobs");
    testid("trigger-slow-logs").click();
    browser.driver().switchTo().alert().accept();
    Run run = Deadline.awaitValue(WAIT, "the triggered run", () -> client.runs().listRuns(ListRunsRequest
        .newBuilder().setJob("slow-logs").build()).getRunsList().stream().findFirst().orElse(null));
    page("/runs/" + run.getId(), "/runs/" + run.getId());
    browser.await(d -> testid("log").getText().contains("line 2") ? true : null);
    assertEquals("true", testid("log-status").getAttribute("data-live"), "the page followed the run live");
    browser.screenshot("run");
    browser.await(d -> "true".equals(testid("log-status").getAttribute("data-ended")) ? true : null);
    String log = testid("log").getText();
    assertTrue(log.contains("line 16") && log.contains("err 16"), log);
    assertTrue(browser.driver().findElements(By.cssSelector("[data-testid='log'] span.stderr")).stream()
        .allMatch(s -> s.getText().startsWith("err")));
    assertFalse(browser.driver().findElements(By.cssSelector("[data-testid='log'] span.stderr")).isEmpty());
  }

  @Test
  @Order(4)
  void aWavesGraphShowsEachJobsRunAndLeadsToIt() throws Exception {
    Run root = Runs.trigger(client, "extract");
    Run load = Deadline.awaitValue(WAIT, "the wave's last run to succeed", () -> client.runs().listRuns(
        ListRunsRequest.newBuilder().setWaveId(root.getWaveId()).build()).getRunsList().stream()
        .filter(r -> r.getJob().equals("load") && r.getState() == RunState.RUN_STATE_SUCCEEDED).findFirst()
        .orElse(null));
    page("/waves/" + root.getWaveId(), "/waves/" + root.getWaveId());
    for (String job : new String[] {"extract", "transform", "load"}) {
      WebElement node = browser.driver().findElement(By.cssSelector("g.node[data-job='" + job + "']"));
      assertEquals("SUCCEEDED", node.getAttribute("data-state"), job);
    }
    browser.screenshot("wave");
    browser.driver().findElement(By.cssSelector("g.node[data-job='load']")).click();
    browser.await(d -> ("/runs/" + load.getId()).equals(main(d).getAttribute("data-loaded")) ? true : null);
  }

  @Test
  @Order(5)
  void aJobIsPausedFromItsPage() throws Exception {
    page("/jobs/nightly-backup", "/jobs/nightly-backup");
    assertFalse(browser.driver().findElements(By.cssSelector("[data-testid='next-fires'] li")).isEmpty());
    assertFalse(browser.driver().findElements(By.cssSelector("[data-testid='history-strip'] a")).isEmpty());
    browser.screenshot("job");
    testid("pause-nightly-backup").click();
    browser.driver().switchTo().alert().accept();
    browser.await(d -> d.findElements(By.cssSelector("[data-testid='paused']")).isEmpty() ? null : true);
    assertFalse(client.jobs().getJob(GetJobRequest.newBuilder().setName("nightly-backup").build()).getEnabled());
  }

  @Test
  @Order(6)
  void aDeadLetterIsRedriven() throws Exception {
    String runId = client.runs().listDeadLetters(ListDeadLettersRequest.getDefaultInstance()).getDeadLetters(0)
        .getRun().getId();
    page("/dlq", "/dlq");
    browser.screenshot("dead-letters");
    testid("redrive-" + runId).click();
    browser.driver().switchTo().alert().accept();
    Deadline.await(WAIT, "the redriven run to run again", () -> Runs.get(client, runId).getRedrives() == 1);
  }

  @Test
  @Order(7)
  void theUpcomingAndAuditPagesLoad() throws Exception {
    client.jobs().resumeJob(dev.baton.proto.v1.ResumeJobRequest.newBuilder().setName("nightly-backup").build());
    page("/upcoming?hours=6", "/upcoming");
    assertFalse(browser.driver().findElements(By.cssSelector("circle.fire[data-job='nightly-backup']")).isEmpty());
    browser.screenshot("upcoming");
    page("/audit", "/audit");
    assertTrue(testid("audit").getText().contains("PauseJob"), testid("audit").getText());
    browser.screenshot("audit");
  }

  @Test
  @Order(8)
  void withAuthOnAViewerLogsInWithATokenAndCannotAct() throws Exception {
    Path secure = work.resolve("secure");
    try (CoordinatorProcess guarded = new CoordinatorProcess(secure, "--auth").start();
        BatonClient admin = BatonClient.connect(guarded.target(),
            Credentials.plaintext().withToken(guarded.adminToken()))) {
      Runs.create(admin, Job.newBuilder().setName("guarded").setCommand(Command.newBuilder().setShell("true")));
      String viewer = admin.access().createToken(CreateTokenRequest.newBuilder().setName("alice")
          .setRole(Role.ROLE_VIEWER).build()).getSecret();
      browser.open(guarded.httpBase() + "/ui/#/jobs");
      browser.await(d -> d.findElements(By.cssSelector("[data-testid='token']")).isEmpty() ? null : true);
      browser.screenshot("login");
      testid("token").sendKeys(viewer);
      testid("login").click();
      browser.await(d -> "/jobs".equals(main(d).getAttribute("data-loaded")) ? true : null);
      WebElement pause = testid("pause-guarded");
      assertFalse(pause.isEnabled());
      assertEquals("needs the operator role; you are viewer", pause.getAttribute("title"));
      assertEquals("ROLE_VIEWER", browser.driver().findElement(By.id("who")).getAttribute("data-role"));
      ((org.openqa.selenium.JavascriptExecutor) browser.driver()).executeScript("sessionStorage.clear()");
    }
  }
}

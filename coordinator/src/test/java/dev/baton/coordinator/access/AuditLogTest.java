package dev.baton.coordinator.access;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.baton.coordinator.store.Store;
import dev.baton.coordinator.testing.FakeClock;
import dev.baton.proto.v1.AuditRecord;
import dev.baton.proto.v1.ListAuditRecordsRequest;
import dev.baton.proto.v1.ListAuditRecordsResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AuditLogTest {
  @TempDir Path dir;
  private final FakeClock clock = FakeClock.at("2026-12-01T10:00:00Z");

  private static AuditRecord record(int i) {
    return AuditRecord.newBuilder().setWho("token t" + (i % 2)).setMethod("baton.v1.JobService/TriggerJob")
        .setTarget("job-" + i).setOutcome("OK").build();
  }

  private static List<String> targets(AuditLog log, ListAuditRecordsRequest request) {
    List<String> out = new ArrayList<>();
    ListAuditRecordsRequest next = request;
    while (true) {
      ListAuditRecordsResponse page = log.list(next);
      page.getRecordsList().forEach(r -> out.add(r.getTarget()));
      if (page.getNextPageToken().isEmpty()) {
        return out;
      }
      next = next.toBuilder().setPageToken(page.getNextPageToken()).build();
    }
  }

  @Test
  void pagesOldestFirstFilteredByCallerAndTime() throws Exception {
    try (Store store = Store.open(dir)) {
      AuditLog log = new AuditLog(store, clock, 1);
      for (int i = 0; i < 7; i++) {
        log.append(record(i));
        clock.advance(Duration.ofMinutes(1));
      }
      ListAuditRecordsRequest two = ListAuditRecordsRequest.newBuilder().setPageSize(2).build();
      assertEquals(List.of("job-0", "job-1", "job-2", "job-3", "job-4", "job-5", "job-6"), targets(log, two));
      assertEquals(List.of("job-1", "job-3", "job-5"), targets(log, two.toBuilder().setWho("t1").build()));
      assertEquals(List.of("job-5", "job-6"), targets(log, two.toBuilder()
          .setSince(com.google.protobuf.util.Timestamps.fromMillis(clock.millis() - Duration.ofMinutes(2).toMillis()))
          .build()));
    }
  }

  @Test
  void keepsNinetyDaysAndNeverMoreThanItsCapNewestFirst() throws Exception {
    try (Store store = Store.open(dir)) {
      AuditLog log = new AuditLog(store, clock, 1, 10);
      for (int i = 0; i < 25; i++) {
        log.append(record(i));
      }
      assertEquals(15, log.sweep());
      List<String> kept = targets(log, ListAuditRecordsRequest.getDefaultInstance());
      assertEquals(10, kept.size());
      assertEquals("job-15", kept.get(0), "the oldest go first");

      clock.advance(AuditLog.RETENTION.plusDays(1));
      log.append(record(99));
      assertEquals(10, log.sweep());
      assertEquals(List.of("job-99"), targets(log, ListAuditRecordsRequest.getDefaultInstance()));
    }
  }
}

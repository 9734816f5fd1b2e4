package dev.baton.coordinator.run;

import dev.baton.coordinator.store.Batch;
import dev.baton.coordinator.store.ColumnFamily;
import dev.baton.coordinator.store.Keys;
import dev.baton.coordinator.store.PageToken;
import dev.baton.coordinator.store.Store;
import dev.baton.proto.v1.DeadLetter;
import dev.baton.proto.v1.ListDeadLettersRequest;
import dev.baton.proto.v1.ListDeadLettersResponse;
import java.util.Optional;

/** The dead-letter queue ({@link ColumnFamily#DEAD_LETTERS}): runs whose retries are exhausted, by run id. */
public final class DeadLetters {
  private final Store store;

  public DeadLetters(Store store) {
    this.store = store;
  }

  public void put(Batch batch, DeadLetter entry) {
    batch.put(ColumnFamily.DEAD_LETTERS, Keys.run(Long.parseLong(entry.getRun().getId())), entry);
  }

  public void remove(Batch batch, String runId) {
    batch.delete(ColumnFamily.DEAD_LETTERS, Keys.run(Long.parseLong(runId)));
  }

  public Optional<DeadLetter> get(String runId) {
    try {
      return store.get(ColumnFamily.DEAD_LETTERS, Keys.run(Long.parseLong(runId)), DeadLetter.parser());
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  /** How many entries the queue holds (a key scan: the queue is what people must look at, so it stays small). */
  public long count() {
    long[] n = {0};
    store.scan(ColumnFamily.DEAD_LETTERS, null, null, false, (key, value) -> {
      n[0]++;
      return true;
    });
    return n[0];
  }

  /** Entries newest first, optionally of one job, paged. */
  public ListDeadLettersResponse list(ListDeadLettersRequest request) {
    PageToken.Page<DeadLetter> page = PageToken.newestFirst(store, ColumnFamily.DEAD_LETTERS, request, Long.BYTES,
        PageToken.pageSize(request.getPageSize(), 100, 1000, "page_size"), DeadLetter.parser(),
        entry -> request.getJob().isEmpty() || request.getJob().equals(entry.getRun().getJob()));
    return ListDeadLettersResponse.newBuilder().addAllDeadLetters(page.items())
        .setNextPageToken(page.nextPageToken()).build();
  }
}

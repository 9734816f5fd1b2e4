package dev.baton.coordinator.store;

import java.nio.charset.StandardCharsets;

/**
 * The column families of Baton's RocksDB store (DESIGN.md section 8). Every piece of coordinator state lives in
 * one of them; in-memory indexes are rebuilt from them at start.
 */
public enum ColumnFamily {
  /** Job name -> {@code baton.v1.Job} (the stored definition with its version and times). */
  JOBS("jobs"),
  /** Run id (8 bytes, big-endian) -> {@code baton.v1.Run}, with every attempt. */
  RUNS("runs"),
  /** Job name, 0x00, run id -> empty: the runs of a job in creation order. */
  RUNS_BY_JOB("runs_by_job"),
  /** Wave id (8 bytes), run id -> empty: the runs of a dependency wave. */
  RUNS_BY_WAVE("runs_by_wave"),
  /** Next fire time (epoch millis, 8 bytes big-endian), job name -> empty: the schedule index, ordered by time. */
  SCHEDULE("schedule"),
  /** Priority (1 byte), ready time (millis), run id -> empty: runs waiting for a worker. */
  READY("ready"),
  /** Run id -> id of the worker holding it: runs ASSIGNED or RUNNING, reconciled when agents say hello. */
  IN_FLIGHT("in_flight"),
  /** Due time (millis), run id -> empty: failed runs waiting out their retry delay. */
  RETRIES("retries"),
  /** Job name, 0x00, run id -> empty: backfill runs PENDING until dispatch releases them into the queue. */
  BACKFILL("backfill"),
  /** Run id -> {@code baton.v1.DeadLetter}. */
  DEAD_LETTERS("dead_letters"),
  /** Run id, attempt (4 bytes), offset (8 bytes) -> output bytes of an attempt. */
  OUTPUT("output"),
  /** Named values: schema version, epoch counter, dispatch settings. */
  META("meta"),
  /**
   * Call name, 0x00, request id -> time (millis), request fingerprint (32 bytes), answer: the first answer to an
   * idempotent request (AIP-155), written in the same batch as what it did.
   */
  REQUESTS("requests"),
  /**
   * {@code n}, 0x00, token name -> SHA-256 of the secret (32 bytes) then {@code baton.v1.Token}; {@code h}, 0x00,
   * SHA-256 of the secret -> token name. Secrets themselves are never stored.
   */
  TOKENS("tokens"),
  /** Time (millis), epoch, sequence (8 bytes each) -> {@code baton.v1.AuditRecord}: every change, who made it. */
  AUDIT("audit"),
  /** {@code d}, 0x00, name -> {@code baton.v1.Webhook}; {@code s}, 0x00, name -> its signing secret. */
  WEBHOOKS("webhooks"),
  /** Delivery id (8 bytes) -> {@code baton.v1.Delivery}: the notifications' outbox and their history. */
  DELIVERIES("deliveries");

  private final String rocksName;

  ColumnFamily(String rocksName) {
    this.rocksName = rocksName;
  }

  /** The name of the column family inside RocksDB. */
  public byte[] rocksName() {
    return rocksName.getBytes(StandardCharsets.UTF_8);
  }
}

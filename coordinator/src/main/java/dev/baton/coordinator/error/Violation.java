package dev.baton.coordinator.error;

/**
 * One broken rule of a request.
 *
 * @param field path of the field, as in the proto ("job.retry.max_retries")
 * @param description what is wrong and what is allowed
 */
public record Violation(String field, String description) {}

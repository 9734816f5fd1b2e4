/**
 * Running one attempt's command as a process: its own process group, environment and working
 * directory, output capture, timeout, cancel and kill. Kept apart from the stream and the journal,
 * like Nomad's {@code drivers/}: nothing here knows about coordinators or epochs.
 *
 * <p>{@link dev.baton.agent.exec.ProcessRunner} is the entry point; an attempt reports through a
 * {@link dev.baton.agent.exec.ProcessListener} and ends with one {@link
 * dev.baton.agent.exec.ExecResult}. The decisions (can it start, how did it end, which bytes form
 * the tail) are pure classes, unit-tested without processes: {@link
 * dev.baton.agent.exec.Preflight}, {@link dev.baton.agent.exec.ExitClassifier}, {@link
 * dev.baton.agent.exec.OutputTail}.
 *
 * <p>Process groups: every command starts as the leader of a new session, so its pid is its session
 * and process group id. Java cannot call setsid(2) in the child, so {@link
 * dev.baton.agent.exec.SpawnedProcess} calls glibc's posix_spawn with {@code POSIX_SPAWN_SETSID}
 * through JNA: one exec per run, the command itself. Where the C library lacks it (glibc before
 * 2.34, musl) commands start through {@code /usr/bin/setsid}, which calls setsid(2) without forking
 * and then execs the command (two execs). Signals go to the whole group with kill(2) of {@code
 * -PGID}. What this cannot reach: a descendant that moves itself to another group or session (a
 * daemon that calls setsid) escapes, as it would under any process-group based supervisor; only
 * cgroups would catch it.
 */
package dev.baton.agent.exec;

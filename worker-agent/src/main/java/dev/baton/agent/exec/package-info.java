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
 * <p>Process groups: Java cannot call setsid(2) in the child, so every command is started through
 * {@code /usr/bin/setsid}. The JVM's child is never a group leader, so setsid(1) calls setsid(2)
 * without forking and then execs the command: the pid Java sees is the new session and process
 * group id. Signals go to the whole group through {@code kill -s SIG -- -PGID}. What this cannot
 * reach: a descendant that moves itself to another group or session (a daemon that calls setsid)
 * escapes, as it would under any process-group based supervisor; only cgroups would catch it.
 */
package dev.baton.agent.exec;

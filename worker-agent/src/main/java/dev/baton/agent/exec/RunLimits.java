package dev.baton.agent.exec;

import dev.baton.proto.v1.Command;
import java.nio.file.FileSystems;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * What this agent agrees to run (DESIGN.md section 9, Security): which programs ({@code --allowed-commands}, globs
 * for argv[0], and whether shell strings at all), as which user ({@code --run-as}, a job's {@code run_as} only for
 * users in {@code --allowed-users}, root only with {@code --allow-root}), and which of the variables that decide
 * what code runs a job's env may set ({@code PATH} and {@code LD_*}, only those in {@code --allow-env}). Pure: users
 * are looked up and programs found on PATH before it decides.
 *
 * @param allowedCommands globs ({@code /usr/bin/*}, {@code /opt/jobs/**}) argv[0] must match, as written or as
 *     found on PATH; empty: any program
 * @param allowShell whether {@code shell} commands run ({@code /bin/sh -c}); always when {@code allowedCommands}
 *     is empty
 * @param runAs the user commands run as unless their job names one; empty: the agent's own user
 * @param allowedUsers the users a job's {@code run_as} may name
 * @param allowRoot whether commands may run as root
 * @param allowedEnv which of PATH and LD_* a job's env may set
 * @param agentUid the user id the agent itself runs as
 */
public record RunLimits(List<String> allowedCommands, boolean allowShell, Optional<UserAccount> runAs,
    Map<String, UserAccount> allowedUsers, boolean allowRoot, Set<String> allowedEnv, int agentUid) {

  /** No limit but root's: what an agent started without limit flags enforces. */
  public static RunLimits none(int agentUid, boolean allowRoot) {
    return new RunLimits(List.of(), true, Optional.empty(), Map.of(), allowRoot, Set.of(), agentUid);
  }

  public RunLimits {
    allowedCommands = List.copyOf(allowedCommands);
    allowedUsers = Map.copyOf(allowedUsers);
    allowedEnv = Set.copyOf(allowedEnv);
  }

  /** What to do with an assignment: run it (as this user, if not the agent's own), or refuse it, saying why. */
  public sealed interface Decision {
    /** Run it; {@code user} empty: as the agent's own user. */
    record Run(Optional<UserAccount> user) implements Decision {}

    /** Refuse it: the run fails with this reason. */
    record Refuse(String reason) implements Decision {}
  }

  /** As below, finding programs on {@code path} (the agent's PATH) from {@code workingDir}, as exec would. */
  public Decision decide(Command command, Map<String, String> env, String runAs, Path workingDir, String path) {
    return decide(command, env, runAs, program -> Preflight.which(program, workingDir, path));
  }

  /**
   * @param runAs the job's {@code run_as}; empty for none
   * @param which where a program name without '/' is found on PATH, if it is
   */
  public Decision decide(Command command, Map<String, String> env, String runAs,
      Function<String, Optional<Path>> which) {
    for (String name : env.keySet()) {
      if ((name.equals("PATH") || name.startsWith("LD_")) && !allowedEnv.contains(name)) {
        return new Decision.Refuse("the job's env sets " + name + ", which decides what code runs; this agent "
            + "allows that only for variables in --allow-env");
      }
    }
    Optional<String> commandRefusal = commandRefusal(command, which);
    if (commandRefusal.isPresent()) {
      return new Decision.Refuse(commandRefusal.get());
    }
    Optional<UserAccount> user;
    if (!runAs.isEmpty()) {
      UserAccount account = allowedUsers.get(runAs);
      if (account == null) {
        return new Decision.Refuse("the job runs as '" + runAs + "', which is not in this agent's --allowed-users");
      }
      user = Optional.of(account);
    } else {
      user = this.runAs;
    }
    int uid = user.map(UserAccount::uid).orElse(agentUid);
    if (uid == 0 && !allowRoot) {
      return new Decision.Refuse("the command would run as root; this agent runs commands as root only with "
          + "--allow-root (or give it --run-as USER)");
    }
    if (user.isPresent() && user.get().uid() != agentUid && agentUid != 0) {
      return new Decision.Refuse("the command runs as '" + user.get().name() + "', but this agent is not root and "
          + "cannot switch users");
    }
    return new Decision.Run(user.filter(u -> u.uid() != agentUid));
  }

  private Optional<String> commandRefusal(Command command, Function<String, Optional<Path>> which) {
    if (allowedCommands.isEmpty()) {
      return Optional.empty();
    }
    if (command.getKindCase() == Command.KindCase.SHELL) {
      return allowShell ? Optional.empty()
          : Optional.of("shell commands are not allowed on this agent (--allowed-commands without --allow-shell)");
    }
    if (command.getArgv().getArgsCount() == 0) {
      return Optional.empty(); // refused later as an empty command
    }
    String program = command.getArgv().getArgs(0);
    // A path is judged as it resolves ("/opt/jobs/../../bin/sh" is /bin/sh); a bare name by itself or where PATH
    // finds it.
    boolean isPath = program.contains("/");
    Optional<Path> found = isPath ? Optional.of(Path.of(program).normalize()) : which.apply(program);
    for (String glob : allowedCommands) {
      PathMatcher matcher = FileSystems.getDefault().getPathMatcher("glob:" + glob);
      if ((!isPath && matcher.matches(Path.of(program))) || found.map(matcher::matches).orElse(false)) {
        return Optional.empty();
      }
    }
    return Optional.of("'" + program + "'" + found.filter(p -> !p.toString().equals(program))
        .map(p -> " (" + p + ")").orElse("") + " is not in this agent's --allowed-commands");
  }
}

package dev.baton.agent.exec;

/** The runner where posix_spawn cannot make sessions: {@code setsid -- command}. */
class SetsidRunnerTest extends ProcessRunnerTest {
  @Override
  boolean throughSetsid() {
    return true;
  }
}

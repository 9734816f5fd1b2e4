package dev.baton.agent.exec;

/** The signals the runner sends to a process group. */
enum Signal {
  TERM(15),
  KILL(9);

  private final int number;

  Signal(int number) {
    this.number = number;
  }

  /** The Linux signal number. */
  int number() {
    return number;
  }
}

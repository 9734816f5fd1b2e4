package dev.baton.cli.commands;

import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code baton completion bash|zsh}: the shell completion script that picocli generates from the command tree, so it
 * knows every command, option and enum value this build has.
 */
@Command(name = "completion", description = {"Print a shell completion script.",
    "bash: source <(baton completion bash)   (or save it to /etc/bash_completion.d/baton)",
    "zsh:  source <(baton completion zsh)    (in ~/.zshrc)"})
public final class CompletionCommand implements Callable<Integer> {
  private final Cli cli;

  @Spec
  CommandSpec spec;

  @Parameters(paramLabel = "SHELL", description = "bash or zsh.", arity = "1")
  Shell shell;

  /** The shells the script is for. */
  enum Shell { bash, zsh }

  public CompletionCommand(Cli cli) {
    this.cli = cli;
  }

  @Override
  public Integer call() {
    String script = AutoComplete.bash("baton", spec.root().commandLine());
    if (shell == Shell.zsh) {
      // picocli's script is bash's; zsh runs it through its bash completion emulation.
      cli.printer().out().println("autoload -U +X compinit && compinit");
      cli.printer().out().println("autoload -U +X bashcompinit && bashcompinit");
    }
    cli.printer().out().print(script);
    return 0;
  }
}

package dev.baton.agent.exec;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Pointer;

/**
 * The few C library calls the JDK does not offer, bound with JNA's direct mapping (a native method per call, no
 * proxy): posix_spawn with {@code POSIX_SPAWN_SETSID}, kill(2) of a process group, waitpid(2). Constants are
 * Linux x86-64/arm64 glibc's. {@link #AVAILABLE} is false where the library or a call is missing (glibc before
 * 2.34 lacks {@code posix_spawn_file_actions_addclosefrom_np}; musl lacks it too).
 */
final class LibC {
  static final int POSIX_SPAWN_SETSIGDEF = 0x04;
  static final int POSIX_SPAWN_SETSIGMASK = 0x08;
  static final int POSIX_SPAWN_SETSID = 0x80;
  static final int O_RDONLY = 0;
  static final int O_CLOEXEC = 0x80000;
  static final int P_PID = 1;
  static final int WNOHANG = 1;
  static final int WEXITED = 4;
  static final int WNOWAIT = 0x01000000;
  static final int EINTR = 4;
  static final int ESRCH = 3;
  /** glibc's posix_spawnattr_t is 336 bytes, posix_spawn_file_actions_t 80, sigset_t 128, siginfo_t 128. */
  static final int OPAQUE_SIZE = 512;
  /** Offset of si_pid in siginfo_t (after si_signo, si_errno, si_code and padding). */
  static final int SIGINFO_PID_OFFSET = 16;

  /** Why the calls are not available; null when they are. */
  static final String UNAVAILABLE_BECAUSE;
  static final boolean AVAILABLE;

  static {
    String problem = null;
    try {
      NativeLibrary c = NativeLibrary.getInstance("c");
      // Bind every call now, so that a missing one is found here and not at the first spawn.
      c.getFunction("posix_spawn_file_actions_addclosefrom_np");
      c.getFunction("posix_spawn_file_actions_addchdir_np");
      Native.register(LibC.class, c);
    } catch (Throwable e) { // UnsatisfiedLinkError, NoClassDefFoundError: no JNA native for this platform
      problem = e.getClass().getSimpleName() + ": " + e.getMessage();
    }
    UNAVAILABLE_BECAUSE = problem;
    AVAILABLE = problem == null;
  }

  private LibC() {}

  static native int posix_spawn(int[] pid, String path, Pointer fileActions, Pointer attributes, Pointer argv,
      Pointer envp);

  static native int posix_spawnattr_init(Pointer attributes);

  static native int posix_spawnattr_destroy(Pointer attributes);

  static native int posix_spawnattr_setflags(Pointer attributes, short flags);

  static native int posix_spawnattr_setsigmask(Pointer attributes, Pointer signals);

  static native int posix_spawnattr_setsigdefault(Pointer attributes, Pointer signals);

  static native int sigemptyset(Pointer signals);

  static native int posix_spawn_file_actions_init(Pointer actions);

  static native int posix_spawn_file_actions_destroy(Pointer actions);

  static native int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int newFd);

  static native int posix_spawn_file_actions_addopen(Pointer actions, int fd, String path, int flags, int mode);

  static native int posix_spawn_file_actions_addchdir_np(Pointer actions, String path);

  static native int posix_spawn_file_actions_addclosefrom_np(Pointer actions, int from);

  static native int pipe2(int[] fds, int flags) throws LastErrorException;

  static native int close(int fd) throws LastErrorException;

  static native int kill(int pid, int signal) throws LastErrorException;

  static native int waitpid(int pid, int[] status, int options) throws LastErrorException;

  static native int waitid(int idType, int id, Pointer info, int options) throws LastErrorException;
}

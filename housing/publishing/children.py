"""Child processes of the publisher that end with it, however it ends.

A runner killed with SIGKILL runs no clean-up code: its MkDocs children would be
re-parented to init and go on building into a release that nobody publishes.
So every child asks the kernel, first thing, to be killed when its parent ends
(Linux ``prctl(PR_SET_PDEATHSIG, SIGKILL)``), then runs the real program in the
same interpreter::

    python .../children.py PARENT_PID MODULE ARGS...   # as "python -m MODULE ARGS..."

Why not the alternatives:

- ``preexec_fn`` would do the same between fork and exec, but runs Python code in
  the forked child while the publisher has other threads (the YAML writer, the
  site server): documented as unsafe (the child can deadlock on a lock another
  thread held at fork time). Here the request is made after a clean exec.
- a new session per build, killed as a group by the runner on exit, does not
  survive the very case at hand: a SIGKILLed runner kills nothing.

If the parent ended before the request took effect, the child's parent is no
longer ``PARENT_PID``: it exits at once. The children stay in the runner's
process group (no new session), so a signal to the group (Ctrl-C, ``kill --
-PGID``, systemd) reaches them too. The kernel sends the signal when the
*thread* that started the child ends: start children from the thread that
waits for them (``build.Builder`` does).
"""
import os
import sys

if __name__ == "__main__":  # as "python -m": the working folder first on the path, never this file's folder
    sys.path[0] = os.getcwd()

import ctypes  # noqa: E402 - after the path is set
import pathlib  # noqa: E402
import runpy  # noqa: E402
import signal  # noqa: E402

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
ORPHANED = 70  # exit status of a child whose parent had already ended


def command(module, *args):
    """The command line that runs ``python -m module args`` as a child that ends with this process."""
    return [sys.executable, str(pathlib.Path(__file__).resolve()), str(os.getpid()), module, *map(str, args)]


def die_with_parent(parent):
    """Be killed when the parent ends; exit now if it has already ended. Linux only (elsewhere: a no-op)."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:
        sys.exit(ORPHANED)


def main(argv):
    parent, module, *args = argv
    die_with_parent(int(parent))
    sys.argv = [module, *args]
    runpy.run_module(module, run_name="__main__", alter_sys=True)


if __name__ == "__main__":
    main(sys.argv[1:])

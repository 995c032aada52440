"""Child processes of the test session that end with it, even when pytest is killed (SIGKILL).

A server a test starts in a subprocess otherwise outlives a killed pytest, holding its port. On
Linux the child asks the kernel for SIGTERM when its parent ends (prctl PR_SET_PDEATHSIG), and
each command here stops cleanly on SIGTERM. The parent is the thread that started the child, so
start children from a thread that outlives them (the test's own). Elsewhere this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys
from typing import Any

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _prctl():
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    return libc.prctl  # looked up here: the child, between fork and exec, only calls it


_PRCTL = _prctl()


def ends_with_this_process() -> dict[str, Any]:
    """`subprocess.Popen` options that make the child end (SIGTERM) when this process does."""
    if _PRCTL is None:
        return {}
    parent = os.getpid()

    def ask_for_sigterm() -> None:
        _PRCTL(PR_SET_PDEATHSIG, signal.SIGTERM)
        if os.getppid() != parent:  # the parent ended before the request was made
            os.kill(os.getpid(), signal.SIGTERM)

    return {"preexec_fn": ask_for_sigterm}

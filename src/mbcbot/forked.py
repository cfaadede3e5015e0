"""Share a large load between two processes: half of the work is done in a forked child.

Reading 10,000 slides is mostly PyYAML and Python that hold one core; a
second core can read half of the packs at the same time. The child computes
its half, sends it back pickled over a pipe and exits. Where forking is not
safe or not possible (other threads running, not Linux), or whatever goes
wrong in the child, the parent does that half itself: the result is always
exactly `[work(item) for item in items]`. Other work the parent has (`meanwhile`) is done while
the child finishes its half.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from typing import TypeVar

Item = TypeVar("Item")
Result = TypeVar("Result")
Other = TypeVar("Other")


def can_fork() -> bool:
    """Whether a child can be forked safely here: Linux, and no other thread that could hold a lock."""
    return sys.platform.startswith("linux") and hasattr(os, "fork") and threading.active_count() == 1


def mapped(
    work: Callable[[Item], Result], items: Sequence[Item], sizes: Sequence[int], share_from: int, meanwhile: Callable[[], Other]
) -> tuple[list[Result], Other]:
    """`[work(item) for item in items]` and `meanwhile()`; from `share_from` in all `sizes`, the items after the
    first half are worked out by a forked child, and `meanwhile()` here while it does."""
    total = sum(sizes)
    if total < share_from or len(items) < 2 or not can_fork():
        return [work(item) for item in items], meanwhile()
    half, done = 0, 0
    while half < len(items) - 1 and done < total / 2:  # the parent keeps the first half of the work
        done, half = done + sizes[half], half + 1
    reading, writing = os.pipe()
    try:
        child = os.fork()
    except OSError:
        os.close(reading)
        os.close(writing)
        return [work(item) for item in items], meanwhile()
    if child == 0:  # the child: work out the second half, send it, and leave without running any cleanup
        status = 1
        try:
            os.close(reading)
            with os.fdopen(writing, "wb") as out:
                pickle.dump([work(item) for item in items[half:]], out, protocol=pickle.HIGHEST_PROTOCOL)
            status = 0
        finally:
            os._exit(status)
    os.close(writing)
    back = os.fdopen(reading, "rb")
    try:
        first = [work(item) for item in items[:half]]
        other = meanwhile()
        sent = back.read()
    except BaseException:  # the parent's half failed, or was interrupted: the child is stopped, not waited for
        os.kill(child, signal.SIGKILL)
        raise
    finally:
        back.close()
        status = os.waitpid(child, 0)[1]
    if status == 0:
        try:
            second = pickle.loads(sent)  # sent by our own child, over our own pipe
            if isinstance(second, list) and len(second) == len(items) - half:
                return first + second, other
        except Exception:  # a child that failed half way: its half is done here
            pass
    return first + [work(item) for item in items[half:]], other

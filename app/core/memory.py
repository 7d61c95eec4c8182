"""A serving process's memory, asked of glibc's allocator: fewer arenas, and freed pages handed back.

Python's allocator takes its pools from malloc, and glibc's malloc gives each thread that allocates (the
SQLite driver's thread, the thread pool) an arena of its own, up to eight per core, each keeping what was freed
in it. A web worker gains nothing from more than two; and start-up frees much (the trainer's answer unpickled,
seed files parsed) that stays in the process unless handed back. On another C library both calls do nothing.
"""

import ctypes
import ctypes.util

M_ARENA_MAX = -8  # mallopt's parameter, glibc's malloc.h
ARENAS = 2


def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
    except OSError:
        return None
    return libc if hasattr(libc, "malloc_trim") and hasattr(libc, "mallopt") else None


def few_arenas() -> None:
    """At most two malloc arenas for the threads started from now on (call it before they start)."""
    if (libc := _glibc()) is not None:
        libc.mallopt(M_ARENA_MAX, ARENAS)


def give_back() -> None:
    """Freed heap pages back to the system (`malloc_trim`)."""
    if (libc := _glibc()) is not None:
        libc.malloc_trim(0)

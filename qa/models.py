"""Models: each heavy model (an encoder, a GGUF file) loaded once per process, whoever asks.

``loaded(key, factory)`` returns ``factory()``'s result, made on the first call for ``key``
and the same object on every later one; two threads asking for one key at once wait for one
load, while different keys load side by side. A load that raises caches nothing, so the next
call tries again (after a fix, say). Keys name what they load, e.g. ``("minilm",)`` or
``("gguf", path, n_ctx, n_threads)``. Importing this costs nothing: the factories import
torch or llama-cpp when they run. Left out: unloading a model, and locking its use (a
tokenizer or a llama.cpp context takes one caller at a time: that lock is its adapter's).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any, TypeVar, cast

T = TypeVar("T")

_guard = threading.Lock()  # over the two dicts below
_locks: dict[Hashable, threading.Lock] = {}  # key -> held while that key loads
_models: dict[Hashable, Any] = {}  # key -> what its factory made


def loaded(key: Hashable, factory: Callable[[], T]) -> T:
    """The object ``factory`` makes for ``key``, made once per process."""
    with _guard:
        lock = _locks.setdefault(key, threading.Lock())
    with lock:
        if key not in _models:
            _models[key] = factory()
        return cast(T, _models[key])

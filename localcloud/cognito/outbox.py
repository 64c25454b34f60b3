"""What the emulator's user pools would have e-mailed: confirmation codes, kept here instead.

Locally no e-mail is sent. Each code a pool "sends" is recorded (the latest per pool and user),
handed to whoever subscribed (``make local`` prints it on the console) and can be read back by
tests and scripts with :func:`latest_code`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class CodeMessage:
    pool_id: str
    username: str  # what the user signed up with (their e-mail address)
    code: str
    purpose: str  # "sign-up"


_lock = threading.Lock()
_latest: dict[tuple[str, str], CodeMessage] = {}
_listeners: list[Callable[[CodeMessage], None]] = []


def send(message: CodeMessage) -> None:
    with _lock:
        _latest[(message.pool_id, message.username.lower())] = message
        listeners = list(_listeners)
    for listener in listeners:
        listener(message)


def latest_code(pool_id: str, username: str) -> str | None:
    """The last code sent to ``username`` (case-insensitive) of pool ``pool_id``."""
    with _lock:
        found = _latest.get((pool_id, username.lower()))
    return found.code if found else None


def subscribe(listener: Callable[[CodeMessage], None]) -> Callable[[], None]:
    """Call ``listener`` with every code sent from now on; returns the unsubscribe function."""
    with _lock:
        _listeners.append(listener)

    def unsubscribe() -> None:
        with _lock:
            if listener in _listeners:
                _listeners.remove(listener)

    return unsubscribe

"""Progressive delay after failed logins and repeated password-reset requests.

Flask-Limiter caps how many attempts fit in a minute or an hour; this module adds the growing
wait that OWASP recommends against password guessing: after a few free failures, each further
failure for the same account (or from the same network address) imposes a wait that doubles, up
to a cap. Attempts made during the wait are refused without checking the password, so guessing
gets slower and slower, while the real owner is never locked out for more than the cap.

The counters live in the same storage as the rate limits (``limits``: memory, or Redis when
``CYBERAWARE_REDIS_URL`` is set), so the delay holds across gunicorn workers and servers. Keys are
built from the address typed in the form, whether or not an account has it, so the delay tells
nothing about which addresses exist. Nothing here imports Flask.
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass

from limits.storage import Storage, storage_from_string


@dataclass(frozen=True)
class DelayPolicy:
    """How quickly the wait grows: ``free`` failures cost nothing, the next one ``base`` seconds,
    then the wait doubles at each failure up to ``cap``; failures are counted over ``window``
    seconds from the first one."""

    free: int
    base: int
    cap: int
    window: int

    def delay_after(self, failures: int) -> int:
        """Seconds to wait after the ``failures``-th failure of the window (0 while free)."""
        if failures <= self.free:
            return 0
        return min(self.base * 2 ** min(failures - self.free - 1, 30), self.cap)

    @classmethod
    def parse(cls, text: str) -> DelayPolicy:
        """Read ``"free,base,cap,window"`` (seconds), as written in the configuration."""
        try:
            free, base, cap, window = (int(part) for part in text.split(","))
        except ValueError as error:
            raise ValueError(f"a delay policy is 'free,base,cap,window' in seconds, not {text!r}") from error
        if min(free, base, cap, window) < 0 or base == 0 or cap < base:
            raise ValueError(f"invalid delay policy {text!r}: need free >= 0, 0 < base <= cap, window >= 0")
        return cls(free, base, cap, window)


class Throttle:
    """Failure counters and waits for one kind of key (``scope``: login-account, login-address…)."""

    def __init__(self, storage: Storage, scope: str, policy: DelayPolicy, prefix: str = "") -> None:
        self.storage = storage
        self.scope = scope
        self.policy = policy
        self.prefix = prefix

    def _key(self, kind: str, subject: str) -> str:
        # Hashed so that no e-mail address is written into Redis.
        digest = hashlib.sha256(subject.encode("utf-8")).hexdigest()[:32]
        return f"{self.prefix}cyberaware-delay/{self.scope}/{kind}/{digest}"

    def retry_after(self, subject: str) -> int:
        """Whole seconds ``subject`` must still wait (0: it may try now)."""
        key = self._key("wait", subject)
        if not self.storage.get(key):
            return 0
        return max(1, math.ceil(self.storage.get_expiry(key) - time.time()))

    def record_failure(self, subject: str) -> int:
        """Count a failure of ``subject`` and start its wait; return the wait in seconds."""
        failures = self.storage.incr(self._key("failures", subject), self.policy.window)
        delay = self.policy.delay_after(failures)
        if delay:
            wait_key = self._key("wait", subject)
            self.storage.clear(wait_key)
            self.storage.incr(wait_key, delay)
        return delay

    def forget(self, subject: str) -> None:
        """Clear the failures and the wait of ``subject`` (after a successful login)."""
        self.storage.clear(self._key("failures", subject))
        self.storage.clear(self._key("wait", subject))


class Throttles:
    """The four throttles of the authentication pages, sharing one storage."""

    def __init__(self, storage_uri: str, policies: dict[str, str], prefix: str = "") -> None:
        """``prefix`` (Flask-Limiter's RATELIMIT_KEY_PREFIX) separates apps sharing one Redis."""
        self.storage = storage_from_string(storage_uri)
        self.by_scope = {scope: Throttle(self.storage, scope, DelayPolicy.parse(text), prefix)
                         for scope, text in policies.items()}

    def __getitem__(self, scope: str) -> Throttle:
        return self.by_scope[scope]

    def retry_after(self, subjects: dict[str, str]) -> int:
        """The longest wait among ``{scope: subject}`` (0: every one may try now)."""
        return max((self.by_scope[scope].retry_after(subject) for scope, subject in subjects.items()), default=0)

    def record_failure(self, subjects: dict[str, str]) -> int:
        """Count a failure for each ``{scope: subject}``; return the longest wait started."""
        return max((self.by_scope[scope].record_failure(subject) for scope, subject in subjects.items()), default=0)

    def forget(self, subjects: dict[str, str]) -> None:
        """Clear the counters of each ``{scope: subject}``."""
        for scope, subject in subjects.items():
            self.by_scope[scope].forget(subject)

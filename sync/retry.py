"""When to try again: exponential backoff with jitter, forever, for errors that may pass (DESIGN §4.5).

What is transient and what is permanent is decided where the error is seen (`sync.gateway`): connection refused,
timeouts, HTTP 5xx, an expired session and concurrent updates are transient; anything Odoo refuses on its merits
(unknown product, closed receipt, a validation error) is permanent and goes to the supervisor's queue.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Backoff:
    base: float = 5.0  # seconds before the second attempt
    cap: float = 15 * 60.0  # never wait longer than this between attempts
    jitter: float = 0.5  # ± this fraction, so that workers and actions do not retry in step

    def delay(self, attempts: int, rng: random.Random | None = None) -> float:
        """Seconds to wait after the `attempts`-th failed attempt."""
        rng = rng or random
        exponential = min(self.cap, self.base * 2 ** max(0, attempts - 1))
        return max(0.0, exponential * rng.uniform(1 - self.jitter, 1 + self.jitter))

    def next_attempt(self, attempts: int, now: datetime, rng: random.Random | None = None) -> datetime:
        return now + timedelta(seconds=self.delay(attempts, rng))

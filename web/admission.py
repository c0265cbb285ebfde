"""Which large requests a worker takes on, and when: one at a time, first come first served,
and none that could not be answered before Heroku's router gives up on it (30 s after the
router received it). docs/serving.md states the rule and why."""
from __future__ import annotations

import logging
import time
from collections import deque
from dataclasses import dataclass, field

from gevent.event import Event

ROUTER_S = 30.0  # Heroku's router answers H12 if the first byte takes longer
# Answer by arrival + DEADLINE_S: the router's 30 s less a margin for a wrong estimate.
DEADLINE_S = 25.0
# A request whose body (or answer) has not advanced by STALL_BYTES in STALL_S has stalled:
# its client stopped sending (or reading), or trickles; only then does its slot go to the next.
STALL_S = 5.0
STALL_BYTES = 16 * 1024
POLL_S = 1.0  # how often a waiting request looks whether the slot's holder has stalled
# Seconds a large request holds the slot per MB of body, until the worker has timed its own.
FIRST_GUESS_S_PER_MB = 0.5
WEIGHT = 0.3  # of the newest timing in the running estimate

log = logging.getLogger("gunicorn.error")


class Refused(Exception):
    """The request could not be answered by its deadline: answer it with a 503 now."""


@dataclass(eq=False)
class Ticket:
    """One large request: its body's size, when it must be answered by, and its progress."""

    size: int
    deadline: float
    received: int = 0  # body bytes read: what the estimate is per
    moved: int = 0  # bytes read or sent: its progress...
    marked: int = 0  # ...when it last advanced by STALL_BYTES...
    progress_at: float = 0.0  # ...and at what time
    lost: bool = False  # its slot went to the next request while it stalled
    granted_at: float | None = None
    turn: Event = field(default_factory=Event)

    def read(self, count: int, now: float) -> None:
        self.received += count
        self.advance(count, now)

    def advance(self, count: int, now: float) -> None:
        """`count` more bytes of its body read, or of its answer sent."""
        self.moved += count
        if self.moved - self.marked >= STALL_BYTES:
            self.marked, self.progress_at = self.moved, now

    def computed(self, now: float) -> None:
        """Its answer is built (the worker computed without a pause): sending starts now."""
        self.progress_at = now

    def stalled(self, now: float, stall_s: float = STALL_S) -> bool:
        return now - self.progress_at > stall_s


class Gate:
    """A worker's one slot for large requests and the queue waiting for it."""

    def __init__(self, clock=time.monotonic, stall_s: float = STALL_S,
                 poll_s: float = POLL_S) -> None:
        self.clock, self.stall_s, self.poll_s = clock, stall_s, poll_s
        self.holder: Ticket | None = None
        self.waiting: deque[Ticket] = deque()
        self.seconds_per_byte = FIRST_GUESS_S_PER_MB / 2**20

    def expected(self, ticket: Ticket) -> float:
        """How long `ticket` will hold the slot: its body read, scored and its answer sent."""
        return max(self.seconds_per_byte * ticket.size, 0.01)

    def starts_at(self, now: float) -> float:
        """When a request arriving now would get the slot: after the holder's remaining time
        and each waiting request's expected time."""
        holder = 0.0
        if self.holder is not None:
            holder = max(self.holder.granted_at + self.expected(self.holder) - now, 0.0)
        return now + holder + sum(map(self.expected, self.waiting))

    def enter(self, ticket: Ticket) -> None:
        """Wait for the slot; Refused as soon as `ticket` cannot finish by its deadline."""
        now = self.clock()
        if self.starts_at(now) + self.expected(ticket) > ticket.deadline:
            raise Refused
        if self.holder is None and not self.waiting:
            self._grant(ticket, now)
            return
        self.waiting.append(ticket)
        try:
            while ticket.granted_at is None:
                latest = ticket.deadline - self.expected(ticket)
                if now >= latest:
                    raise Refused
                ticket.turn.wait(min(self.poll_s, latest - now))
                now = self.clock()
                if self.holder is not None and self.holder.stalled(now, self.stall_s):
                    self.give_way(now)
        except BaseException:
            if ticket.granted_at is None:
                self.waiting.remove(ticket)
            raise
        if now + self.expected(ticket) > ticket.deadline:  # the wait ran long after all
            self.leave(ticket, finished=False)
            raise Refused

    def give_way(self, now: float) -> None:
        """The holder stalled: the next request takes the slot (never for a queue)."""
        log.warning("the upload slot gave way to the next request: the one holding it "
                    "stalled")
        self.holder.lost = True
        self.holder = None
        self._next(now)

    def leave(self, ticket: Ticket, finished: bool = True) -> None:
        """`ticket` is done with the slot; a finished one's time updates the estimate."""
        if self.holder is not ticket:
            return  # it lost the slot while stalled
        now = self.clock()
        if finished and ticket.received:
            timed = (now - ticket.granted_at) / ticket.received
            self.seconds_per_byte += WEIGHT * (timed - self.seconds_per_byte)
        self.holder = None
        self._next(now)

    def _grant(self, ticket: Ticket, now: float) -> None:
        self.holder, ticket.granted_at, ticket.progress_at = ticket, now, now
        ticket.turn.set()

    def _next(self, now: float) -> None:
        if self.waiting:
            self._grant(self.waiting.popleft(), now)

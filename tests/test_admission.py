"""web/admission.py on its own: who gets a worker's slot for large requests, in what order,
and who is refused at once. Decisions on a hand-moved clock; waiting with real greenlets."""
from __future__ import annotations

import gevent
import pytest

from web.admission import STALL_BYTES, WEIGHT, Gate, Refused, Ticket

MB = 2**20


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def gate_at(seconds_per_mb: float, **kwargs) -> tuple[Gate, Clock]:
    clock = Clock()
    gate = Gate(clock, **kwargs)
    gate.seconds_per_byte = seconds_per_mb / MB
    return gate, clock


def test_an_idle_gate_takes_a_request_at_once():
    gate, clock = gate_at(1.0)
    ticket = Ticket(8 * MB, clock.now + 25)
    gate.enter(ticket)
    assert gate.holder is ticket and ticket.granted_at == clock.now


def test_a_request_that_would_finish_after_its_deadline_is_refused_without_waiting():
    # 1 s per MB: the holder has 8 s to go and two 8 MB requests wait, so a fourth would
    # start 24 s from now and end at 32 s, past its 25 s; a 0.5 MB one still fits.
    gate, clock = gate_at(1.0)
    gate.enter(Ticket(8 * MB, clock.now + 25))
    gate.waiting.extend([Ticket(8 * MB, clock.now + 25), Ticket(8 * MB, clock.now + 25)])
    assert gate.starts_at(clock.now) == pytest.approx(clock.now + 24)
    with pytest.raises(Refused):
        gate.enter(Ticket(8 * MB, clock.now + 25))
    assert len(gate.waiting) == 2  # the refused one never joined the queue
    # The router's clock: arrived 20 s before it reached an idle worker, it has 5 s left,
    # less than its 8 s of work.
    idle, clock = gate_at(1.0)
    with pytest.raises(Refused):
        idle.enter(Ticket(8 * MB, clock.now + 5))
    assert idle.holder is None


def test_the_holders_remaining_time_counts_down_and_never_below_zero():
    gate, clock = gate_at(1.0)
    gate.enter(Ticket(8 * MB, clock.now + 25))
    clock.now += 3
    assert gate.starts_at(clock.now) == pytest.approx(clock.now + 5)
    clock.now += 10  # it overran its estimate: expected to end any moment
    assert gate.starts_at(clock.now) == pytest.approx(clock.now)


def test_the_estimate_moves_toward_each_measured_request():
    gate, clock = gate_at(1.0)
    ticket = Ticket(4 * MB, clock.now + 25)
    gate.enter(ticket)
    ticket.read(4 * MB, clock.now)
    clock.now += 8  # 2 s per MB measured
    gate.leave(ticket)
    assert gate.seconds_per_byte * MB == pytest.approx(1.0 + WEIGHT * (2.0 - 1.0))
    refused = Ticket(4 * MB, clock.now + 25)
    gate.enter(refused)
    gate.leave(refused, finished=False)  # one refused after its wait teaches nothing
    assert gate.seconds_per_byte * MB == pytest.approx(1.0 + WEIGHT)


def test_the_slot_goes_first_come_first_served_and_never_to_a_queue():
    gate = Gate(stall_s=0.2, poll_s=0.02)
    gate.seconds_per_byte = 0.1 / MB
    holder = Ticket(MB, gate.clock() + 25)
    gate.enter(holder)
    order = []

    def wait(name):
        ticket = Ticket(MB, gate.clock() + 25)
        gate.enter(ticket)
        order.append(name)
        gevent.sleep(0.05)
        gate.leave(ticket)

    waiters = [gevent.spawn(wait, name) for name in "abc"]
    # The holder's body keeps coming, a little at a time, for five stall periods.
    for _ in range(50):
        gevent.sleep(0.02)
        holder.read(STALL_BYTES, gate.clock())
        assert order == [] and gate.holder is holder
    gate.leave(holder)
    gevent.joinall(waiters, timeout=5, raise_error=True)
    assert order == ["a", "b", "c"] and not holder.lost and gate.holder is None


def test_the_slot_gives_way_to_a_stalled_body_and_only_once():
    gate = Gate(stall_s=0.2, poll_s=0.02)
    stalled = Ticket(8 * MB, gate.clock() + 25)
    gate.enter(stalled)
    stalled.read(STALL_BYTES, gate.clock())  # it sent a little, then stopped
    nxt = Ticket(MB, gate.clock() + 25)
    waiter = gevent.spawn(gate.enter, nxt)
    waiter.join(timeout=3)
    assert waiter.successful() and gate.holder is nxt and stalled.lost
    gate.leave(stalled)  # the stalled one ends later: the slot stays with the next
    assert gate.holder is nxt


def test_progress_is_the_body_read_the_answer_built_and_the_answer_sent():
    gate, clock = gate_at(1.0)
    ticket = Ticket(100_000, clock.now + 25)
    gate.enter(ticket)
    for _ in range(6):  # the body, steadily
        clock.now += 4
        ticket.read(STALL_BYTES, clock.now)
        assert not ticket.stalled(clock.now)
    clock.now += 30  # scoring: the worker computes without a pause, nobody looks meanwhile
    ticket.computed(clock.now)
    assert not ticket.stalled(clock.now + 4)
    clock.now += 4
    ticket.advance(STALL_BYTES, clock.now)  # the answer goes out
    assert not ticket.stalled(clock.now + 4)
    assert ticket.stalled(clock.now + 6)  # and then the client stopped reading it
    assert ticket.received == 6 * STALL_BYTES  # the estimate counts the body only


def test_a_waiting_request_is_refused_when_its_last_moment_to_start_passes():
    gate = Gate(stall_s=10, poll_s=0.02)
    gate.seconds_per_byte = 0.1 / MB
    holder = Ticket(MB, gate.clock() + 25)
    gate.enter(holder)
    holder.read(MB, gate.clock())
    late = Ticket(MB, gate.clock() + 0.3)  # 0.1 s of work, so it must start within 0.2 s
    waiter = gevent.spawn(gate.enter, late)
    waiter.join(timeout=3)
    assert isinstance(waiter.exception, Refused)
    assert not gate.waiting and gate.holder is holder

"""What the app does inside gunicorn: gunicorn.conf.py holds the settings, and each of its hooks
calls one function here. docs/serving.md explains the choices."""
from __future__ import annotations

import ctypes
import ctypes.util
import gc
import logging
import signal
import socket
import time
from contextlib import suppress

import gevent
from gunicorn.glogging import Logger
from werkzeug.exceptions import ServiceUnavailable

from web.admission import DEADLINE_S, ROUTER_S, Gate, Refused, Ticket

# A form post is under a kilobyte; a body over this is an upload or a large API call.
LARGE_BODY = 64 * 1024
RETRY_AFTER_S = 60
BUSY = "web.server.busy"  # in the WSGI environ of a large request refused on arrival
DRAIN_S = 10  # how long the unread rest of a large request's body is read and dropped
CLOSE_IDLE_EVERY_S = 0.25  # how often a stopping worker looks for connections with no request

log = logging.getLogger("gunicorn.error")


class Busy(ServiceUnavailable):
    description = ("The site is busy scoring other files right now. "
                   "Please try again in a minute.")

    def __init__(self) -> None:
        super().__init__(retry_after=RETRY_AFTER_S)


class AccessLog(Logger):
    """gunicorn's logger, with the path and the request id escaped: the path is decoded
    from the URL, so `%0A` in it would otherwise start a forged line of its own."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("U", "{x-request-id}i"):
            if isinstance(atoms.get(key), str):
                atoms[key] = atoms[key].encode("unicode_escape").decode("ascii")
        return atoms


def share_loaded_objects() -> None:
    # Objects made by the loaded model never change; keeping the collector away from them
    # stops it from touching (and so copying) their pages in every worker.
    gc.freeze()


def init_worker(worker) -> None:
    """In each worker, before it serves: large requests in turn, a clean exit."""
    limit = getattr(worker.wsgi, "config", {}).get("MAX_CONTENT_LENGTH")
    worker.wsgi = LargeRequests(worker.wsgi, limit)
    quit_once(worker)
    close_idle_connections_on_exit(worker)


def forget_log_handlers() -> None:
    # gevent made logging's locks greenlet-aware in the worker; once the interpreter has
    # torn gevent down at exit, a handler collected last still takes such a lock and prints
    # a traceback (gevent issue 2148). Every record was flushed as it was written.
    logging._handlerList.clear()


def quit_once(worker) -> None:
    """Ctrl-C reaches a worker twice (the terminal's SIGINT, then the master's SIGQUIT), and
    gunicorn's second sys.exit in a greenlet, raised while the first is exiting, prints a
    traceback: act on the first only."""
    first = worker.handle_quit
    quitting = []

    def handle_quit(signum, frame):
        if not quitting:
            quitting.append(signum)
            first(signum, frame)

    signal.signal(signal.SIGINT, handle_quit)
    signal.signal(signal.SIGQUIT, handle_quit)


def close_idle_connections_on_exit(worker) -> None:
    """On SIGTERM a gevent worker waits up to graceful_timeout for every open connection,
    and one that never sent a request (a browser's preconnect) would hold it that long.
    Close those once the worker is stopping; requests already under way go on."""
    idle: set[socket.socket] = set()
    handle, handle_request = worker.handle, worker.handle_request

    def tracked(listener, client, addr):
        idle.add(client)
        try:
            handle(listener, client, addr)
        finally:
            idle.discard(client)

    def started(listener_name, req, sock, addr):
        idle.discard(sock)
        return handle_request(listener_name, req, sock, addr)

    def closer():
        while True:
            gevent.sleep(CLOSE_IDLE_EVERY_S)
            for client in () if worker.alive else list(idle):
                idle.discard(client)
                # Through a duplicate: gevent's own shutdown() would cancel the pending
                # read with an error gunicorn logs; this way the read just ends.
                with suppress(OSError), socket.fromfd(client.fileno(), client.family,
                                                      client.type) as dup:
                    dup.shutdown(socket.SHUT_RDWR)

    worker.handle, worker.handle_request = tracked, started
    gevent.spawn(closer)


def large_size(environ: dict, limit: int | None) -> int | None:
    """The body size of a large request (a chunked one counts as `limit`); None otherwise,
    or when it is over `limit` and the app refuses it unread anyway."""
    if "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
        return limit or LARGE_BODY + 1
    with suppress(ValueError):
        size = int(environ.get("CONTENT_LENGTH") or 0)
        if size > LARGE_BODY and (limit is None or size <= limit):
            return size
    return None


def arrival(environ: dict, now: float, wall: float) -> float:
    """When the router received the request, on the monotonic clock: Heroku's
    X-Request-Start (milliseconds since the epoch) if sent, never later than now nor earlier
    than the router's 30 s; else now. A forged one can only get its sender a 503."""
    value = environ.get("HTTP_X_REQUEST_START", "").removeprefix("t=")
    try:
        sent = float(value)
    except ValueError:
        return now
    sent /= 1e6 if sent > 1e14 else 1e3 if sent > 1e11 else 1  # µs, ms or s
    return now - min(max(wall - sent, 0.0), ROUTER_S)


def release_memory() -> None:
    """Hand the heap a large request freed back to the system: glibc keeps it otherwise."""
    if _malloc_trim is not None:
        _malloc_trim(0)


_libc = ctypes.util.find_library("c")
_malloc_trim = getattr(ctypes.CDLL(_libc), "malloc_trim", None) if _libc else None


class LargeRequests:
    """WSGI middleware: large requests take the worker's slot in turn (web/admission.py),
    from reading the body to sending the answer; one that could not be answered in time gets
    a 503 at once."""

    def __init__(self, app, limit: int | None = None, gate: Gate | None = None) -> None:
        self.app, self.limit, self.gate = app, limit, gate or Gate()

    def __call__(self, environ, start_response):
        size = large_size(environ, self.limit)
        if size is None:
            return self.app(environ, start_response)
        body = environ["wsgi.input"]
        now = self.gate.clock()
        ticket = Ticket(size, arrival(environ, now, time.time()) + DEADLINE_S)
        try:
            self.gate.enter(ticket)
        except Refused:
            log.warning("busy: refused a large request (%d waiting, %.1f s per MB)",
                        len(self.gate.waiting), self.gate.seconds_per_byte * 2**20)
            environ[BUSY] = True  # the app answers it (web/errors.py) without reading it
            return Answer(self.app(environ, start_response), body)
        environ["wsgi.input"] = TrackedBody(body, ticket, self.gate)
        try:
            result = self.app(environ, start_response)
        except BaseException:
            self.gate.leave(ticket, finished=False)
            raise
        ticket.computed(self.gate.clock())
        return Answer(result, body, ticket, self.gate)


class TrackedBody:
    """The request body, telling its ticket how far it has got; raises Busy when it resumes
    after its slot went to the next request."""

    def __init__(self, body, ticket: Ticket, gate: Gate) -> None:
        self.body, self.ticket, self.gate = body, ticket, gate

    def _seen(self, data: bytes) -> bytes:
        if self.ticket.lost:
            raise Busy()
        self.ticket.read(len(data), self.gate.clock())
        return data

    def read(self, size: int | None = -1) -> bytes:
        data = self.body.read(size)
        if size == 0:
            return data
        return self._seen(data)

    def readline(self, size: int | None = -1) -> bytes:
        return self._seen(self.body.readline(size))

    def __iter__(self):
        return iter(self.readline, b"")


class Answer:
    """A large request's answer, sent in pieces that tell its ticket how far it has got.
    Then the memory the request took goes back to the system, the slot to the next request,
    and what is left of the request body is read and dropped (for DRAIN_S at most) before
    gunicorn closes the connection: closing a socket with unread data resets it, and the
    client could lose the answer."""

    def __init__(self, result, body, ticket: Ticket | None = None,
                 gate: Gate | None = None) -> None:
        self.result, self.body, self.ticket, self.gate = result, body, ticket, gate

    def __iter__(self):
        for chunk in self.result:
            for start in range(0, len(chunk), LARGE_BODY):
                piece = chunk[start:start + LARGE_BODY]  # gunicorn writes bytes only
                yield piece
                if self.ticket is not None:
                    self.ticket.advance(len(piece), self.gate.clock())

    def close(self) -> None:
        try:
            if hasattr(self.result, "close"):
                self.result.close()
        finally:
            self.result = None
            release_memory()
            if self.ticket is not None:
                self.gate.leave(self.ticket, finished=not self.ticket.lost)
            with suppress(Exception), gevent.Timeout(DRAIN_S, False):
                while self.body.read(LARGE_BODY):
                    pass

"""gunicorn settings for CPU-bound prediction on a Heroku dyno (read by the Procfile)."""
import gc
import logging
import os

from gevent.lock import BoundedSemaphore
from gunicorn.glogging import Logger

# One BLAS/OpenMP thread per worker: requests are single rows, the dyno has few cores, and
# an OpenMP pool created in the master before fork can hang in the workers.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Heroku's router buffers request headers but streams bodies, and a sync worker is held by
# whatever it is reading: a few clients sending a body a byte at a time stalled everyone
# else. A gevent worker waits on a slow client in a greenlet and serves the rest meanwhile;
# prediction itself never waits on I/O, so it still runs one request at a time per worker,
# as fast as on a sync worker. Threads would not do: each slow body holds a thread.
worker_class = "gevent"
# No keep-alive: a gevent worker reads a connection's next request as soon as it has
# answered the last, so busy connections went ahead of new ones (a long p99 and timeouts
# under load). Closing after each answer sends every request back through accept(), shared
# fairly by the workers. The router keeps the browser's own connection open either way.
keepalive = 0
# Connections a worker holds at once, slow ones included: enough that 80 slow clients fit
# with room for everyone else, and few enough that the small bodies they may hold in memory
# add up to little (large ones wait their turn: see pre_request).
worker_connections = 100
# Load the model once in the master: workers share its memory copy-on-write, and a bad
# model file stops the master at boot instead of crash-looping workers. gunicorn patches
# the standard library for gevent in each worker right after the fork, never in the
# master, whose signal handling gevent would take over. What the app imported before that
# opens no socket, starts no thread and keeps no direct reference to ssl's classes, so it
# is patched cleanly and gevent has nothing to warn about (tests/test_workers.py checks).
preload_app = True
# For a gevent worker this bounds how long its event loop may stay busy without a
# heartbeat (a runaway computation), not how long a request may take: a slow client holds
# one connection slot until it or the router gives up (the router after 30 s).
timeout = 25
graceful_timeout = 20
# Recycle workers now and then, so a slow leak could not pile up (`make loadtest` finds none
# to chase): after 50,000 to 100,000 requests, a random count per worker. The spread is as
# wide as the base so the workers rarely go together: a recycle costs a fork and a cold
# first request, and with a narrow jitter the load test caught both recycling in the same
# second, its p99 jumping with them.
max_requests = 50_000
max_requests_jitter = 50_000
worker_tmp_dir = "/dev/shm"

# One logfmt line per request on stdout, as heroku/python-getting-started logs them, with
# the router's X-Request-Id to match the router's own line. The path only: never the query
# string or body, where a person's age or BMI could be. duration is the time in the worker,
# in seconds with microseconds (make bench reads it).
accesslog = "-"
errorlog = "-"
access_log_format = ('gunicorn method=%(m)s path="%(U)s" status=%(s)s bytes=%(B)s '
                     'duration=%(L)ss request_id="%({x-request-id}i)s"')


class AccessLog(Logger):
    """gunicorn's logger, with the path and the request id escaped: the path is decoded
    from the URL, so `%0A` in it would otherwise start a forged line of its own."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("U", "{x-request-id}i"):
            if isinstance(atoms.get(key), str):
                atoms[key] = atoms[key].encode("unicode_escape").decode("ascii")
        return atoms


logger_class = AccessLog


# A form post is under a kilobyte; a body over this is an upload or a large API call.
LARGE_BODY = 64 * 1024
LARGE_WAIT = 10


def pre_fork(server, worker):
    # Objects made by the loaded model never change; keeping the collector away from them
    # stops it from touching (and so copying) their pages in every worker.
    gc.freeze()


def worker_exit(server, worker):
    # gevent made logging's locks greenlet-aware in the worker; once the interpreter has
    # torn gevent down at exit, a logging handler collected last still takes such a lock and
    # prints a traceback (gevent issue 2148). Nothing is logged after this hook, and every
    # record was flushed as it was written, so logging can forget its handlers now.
    logging._handlerList.clear()


def post_worker_init(worker):
    worker.large_requests = BoundedSemaphore(1)


# One large request at a time per worker, from reading its body to sending the answer, as
# a sync worker took them: scoring the largest upload takes far more memory than anything
# else, and a gevent worker would otherwise take on every upload that arrives, their bodies
# and answers piling up around the one being scored (`make loadtest` sends 16 at once and
# measures the peak). Forms and small API calls never wait for this. A client that stalls
# its body (or never reads the answer) would hold the slot as long as it likes, so a large
# request waits for it at most LARGE_WAIT seconds and then goes ahead without it: a stalled
# upload delays the others on its worker, but cannot stop them.
def pre_request(worker, req):
    if any(name == "TRANSFER-ENCODING" or (name == "CONTENT-LENGTH" and int(value) > LARGE_BODY)
           for name, value in req.headers):
        req.holds_large_slot = worker.large_requests.acquire(timeout=LARGE_WAIT)
        if not req.holds_large_slot:
            worker.log.warning("a large request went ahead without waiting any longer for "
                               "the one before it")


def post_request(worker, req, environ, resp):
    if getattr(req, "holds_large_slot", False):
        worker.large_requests.release()

"""gunicorn settings for CPU-bound prediction on a Heroku dyno (read by the Procfile). What
the app does inside gunicorn is in web/server.py; docs/serving.md says why."""
import os

from web import server as web_server

# One BLAS/OpenMP thread per worker: requests are single rows, the dyno has few cores, and
# an OpenMP pool created in the master before fork can hang in the workers.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
# Heroku's router streams request bodies: a gevent worker waits on a slow client in a
# greenlet and serves the rest meanwhile, where a sync worker would be held by it.
worker_class = "gevent"
# No keep-alive: every request goes back through accept(), shared fairly by the workers.
keepalive = 0
# Connections a worker holds at once, slow ones included.
worker_connections = 100
# The model is loaded once in the master and shared copy-on-write; gunicorn patches the
# standard library for gevent in each worker after the fork, never in the master.
preload_app = True
# How long a worker's event loop may stay busy without a heartbeat (a runaway), not how long
# a request may take: scoring the largest file on a busy CPU took over 25 s, and a kill then
# took the other requests on that worker with it.
timeout = 60
# Requests under way when SIGTERM comes may finish (each is answered within 25 s of
# arriving); Heroku sends SIGKILL 30 s after SIGTERM.
graceful_timeout = 25
# Recycle workers after 50,000 to 100,000 requests, a random count each, so they rarely go
# together.
max_requests = 50_000
max_requests_jitter = 50_000
worker_tmp_dir = "/dev/shm"
# Nothing uses gunicorn's control socket, and two servers sharing a HOME would take the
# same ~/.gunicorn/gunicorn.ctl from each other.
control_socket_disable = True
# Written through the socket, so the access log counts a static file's bytes (with
# sendfile() gunicorn logs bytes=0); the files are a few kilobytes.
sendfile = False

# One logfmt line per request on stdout, with the router's X-Request-Id; the path only, never
# the query string or body. duration is the time in the worker (make bench reads it).
accesslog = "-"
errorlog = "-"
access_log_format = ('gunicorn method=%(m)s path="%(U)s" status=%(s)s bytes=%(B)s '
                     'duration=%(L)ss request_id="%({x-request-id}i)s"')
logger_class = web_server.AccessLog


def pre_fork(server, worker):
    web_server.share_loaded_objects()


def post_worker_init(worker):
    web_server.init_worker(worker)


def worker_exit(server, worker):
    web_server.forget_log_handlers()

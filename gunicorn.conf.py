"""gunicorn settings for CPU-bound prediction on a Heroku dyno (read by the Procfile)."""
import gc
import os

# One BLAS/OpenMP thread per worker: requests are single rows, the dyno has few cores, and
# an OpenMP pool created in the master before fork can hang in the workers.
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"  # prediction is CPU-bound; threads would only contend for the GIL
# Load the model once in the master: workers share its memory copy-on-write, and a bad
# model file stops the master at boot instead of crash-looping workers.
preload_app = True
# Heroku's router gives up after 30 s; a stuck worker is killed before that.
timeout = 25
graceful_timeout = 20
# Recycle workers now and then, so slow leaks cannot pile up: after 20,000 to 25,000
# requests, a random count per worker so they go at different moments. Not more often: a
# recycle costs a fork and a cold first request (~40 ms), and at 5,000 the benchmark's 10 s
# of load caught both workers recycling (p99 99 ms); `make loadtest` shows no leak to chase.
max_requests = 20_000
max_requests_jitter = 5_000
worker_tmp_dir = "/dev/shm"

# One line per request on stdout, with the path but never the query string or body, where
# a person's age or BMI could be.
accesslog = "-"
errorlog = "-"
# %(L)s: time in the worker, in seconds with microseconds (make bench reads it).
access_log_format = '%(h)s "%(m)s %(U)s" %(s)s %(B)s %(L)ss'


def pre_fork(server, worker):
    # Objects made by the loaded model never change; keeping the collector away from them
    # stops it from touching (and so copying) their pages in every worker.
    gc.freeze()

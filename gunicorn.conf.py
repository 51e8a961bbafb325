"""Gunicorn settings for Newsroom: `gunicorn newsroom.wsgi` from the project folder picks this up.

Everything is overridable from the environment, so one image serves a laptop, the benchmark
and a fleet of app servers behind a load balancer. Gunicorn's own access log is off: the app
logs one JSON line per request, with its request id (newsroom.core.middleware).
"""

import ctypes
import os

bind = os.environ.get("BIND", f"{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '8000')}")
# Django renders in Python, so work is CPU-bound: about two processes per core keeps the cores
# busy while some requests wait on PostgreSQL or Redis.
workers = int(os.environ.get("WEB_CONCURRENCY", 2 * (os.cpu_count() or 1) + 1))
# Threads > 1 switches to the gthread worker (keep-alive, more waiting requests per process).
threads = int(os.environ.get("GUNICORN_THREADS", 1))
# Recycle workers now and then so a slow leak never takes a server down; jitter avoids all
# workers restarting at once.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", 5000))
max_requests_jitter = max_requests // 10
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 30))
graceful_timeout = 30
keepalive = 5
# Load the app once in the master so workers share its memory pages (copy-on-write).
preload_app = True
# Heartbeat files in memory: a slow disk must not make the master kill healthy workers.
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None  # noqa: S108 (gunicorn makes its own private files)
# Trust X-Forwarded-* (e.g. X-Forwarded-Proto for SECURE_PROXY_SSL_HEADER) only from these.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
# Gunicorn's control socket has one fixed path per user: several servers on a machine (or a
# benchmark beside a real server) would fight over it. Orchestrators use signals instead.
control_socket_disable = True
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
proc_name = "newsroom"


# glibc's malloc hands memory back to the kernel as soon as 128 kB (more after larger frees) lies
# free at the top of the heap, and gives blocks from 128 kB up a mapping of their own, unmapped
# when freed: a worker answering a partner's list of 50 stored documents (550 kB) then touched
# 50-120 fresh pages per answer, each a page fault (about 7 us on a virtual machine): 4.2-4.9 ms
# an answer instead of 2.6-3.2. Up to 8 MB freed stays with the worker for the next request, and
# blocks under 4 MB come from the heap. Set in the master (preload_app), so every worker forks with it; the
# MALLOC_TRIM_THRESHOLD_ and MALLOC_MMAP_THRESHOLD_ environment variables, when set, decide instead.
M_TRIM_THRESHOLD, M_MMAP_THRESHOLD = -1, -3  # mallopt's parameters (malloc.h)
KEEP_FREED_BYTES, OWN_MAPPING_FROM_BYTES = 8 * 1024 * 1024, 4 * 1024 * 1024
_mallopt = getattr(ctypes.CDLL(None), "mallopt", None)  # glibc's; other C libraries decide for themselves
if _mallopt is not None:
    if "MALLOC_TRIM_THRESHOLD_" not in os.environ:
        _mallopt(M_TRIM_THRESHOLD, KEEP_FREED_BYTES)
    if "MALLOC_MMAP_THRESHOLD_" not in os.environ:
        _mallopt(M_MMAP_THRESHOLD, OWN_MAPPING_FROM_BYTES)

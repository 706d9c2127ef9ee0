"""gunicorn settings for the services' web processes, read from the environment (the
gateway's add gevent to them: common/gunicorn_proxy_conf.py).

Chosen by measurement (docs/performance.md, "Workers"): gthread workers, one per core
the process may use (2 here), 4 threads each. Threads keep a worker busy while a request
waits on PostgreSQL, on a row lock or on another service (a redemption's hold on points);
2 threads measured the same as 4 (reads and writes within the runs' spread), and 4 leave
more room when requests wait. Sync workers lose keep-alive (every wrk or gateway
connection is a new one) and were slowest; more workers than cores only add memory
(about 45 MiB of PSS each) for no throughput. On a bigger machine raise WEB_CONCURRENCY
to the cores the process gets, keeping the whole suite's PSS in mind (python -m
bench.memory).
"""

import os

workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "gthread")
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 10
keepalive = 30
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
preload_app = False
# gunicorn's control socket defaults to one path per user, which every master on the
# machine would take from the others: the Procfile gives each its own
# (--control-socket var/run/<app>.ctl); compose and the test suite pass --no-control-socket
# Each worker listens on a socket of its own (SO_REUSEPORT), and the kernel spreads new
# connections over them. On one shared socket the worker that woke first took the burst:
# a client's 16 keep-alive connections (wrk's, or the gateway's pool) often all landed in
# one worker, whose 4 threads then fought over one GIL while the other core idled (bare
# Flask: 2,400 req/s at 470 us of CPU each, against 6,300 at 280 us when they were spread;
# docs/performance.md, "Workers").
reuse_port = os.environ.get("GUNICORN_REUSE_PORT", "1") != "0"

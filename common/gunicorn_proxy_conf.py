"""gunicorn settings for the gateway: the suite's (common.gunicorn_conf), on gevent.

A forwarded call is almost all waiting on a service. With gthread workers the gateway
had 2 workers x 4 threads, so 8 calls in flight to one slow service (a rewards burst)
held every thread and a balance read waited behind them; gevent gives each client
connection a greenlet, up to ``worker_connections`` per worker. It also costs less per
call: the gateway's own CPU per forwarded balance read fell from 246-279 us to 216-223
(``bench.hot_paths``, docs/performance.md "Workers").

gunicorn's gevent worker, not gevent's own WSGI server (``gevent_pywsgi``, another 30 us
less): this one keeps gunicorn's request parser, its request size limits and its
keep-alive timeout at the suite's public edge, where pywsgi has no idle timeout at all.
The worker monkey-patches the standard library before it loads the app, which is why
this module imports nothing of the gateway's: psycopg picks its cooperative wait when it
is first imported after the patch, and the upstream pool's locks become gevent's.
"""

import os

from common.gunicorn_conf import *  # noqa: F403 - the suite's settings, the class changed

worker_class = os.environ.get("GUNICORN_PROXY_WORKER_CLASS", "gevent")
worker_connections = int(os.environ.get("GUNICORN_WORKER_CONNECTIONS", "1000"))

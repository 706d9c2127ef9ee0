"""Helpers shared by test modules (a test module never imports another test module).

``databases`` (the session's databases, engines, truncation), ``tokens`` (signed access
tokens), ``gateway_client`` (the gateway as a phone app calls it), ``processes``
(waiting on the suite's real processes and on ``make run``), ``consumers`` (jobs the
relay's tests route to). The environment itself (keys, Redis database, processes) is
``devtools``, which the benchmarks share.
"""

"""Tools for running the suite in isolation, shared by the tests and the benchmarks.

Neither ``tests/`` nor ``bench/`` imports the other: what both need (an environment of
their own: token keys, a database prefix, a claimed Redis database; the suite as real
processes) lives here. It is not shipped with the apps (``pyproject`` packages only
``common``, ``gateway``, ``services`` and ``suite``).
"""

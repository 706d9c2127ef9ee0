"""The hot reads' connections (common/reads.py): one per thread, none left open to the GC."""

from __future__ import annotations

import gc
import os
import threading
import warnings

import psycopg

from common.reads import Reads


def _read_in_a_thread(reads: Reads) -> psycopg.Connection:
    """The connection a new thread read on (the thread has ended when this returns)."""
    used: list[psycopg.Connection] = []

    def read() -> None:
        before = set(map(id, reads.connections()))
        reads.one("SELECT 1")
        used.extend(c for c in reads.connections() if id(c) not in before)

    thread = threading.Thread(target=read)
    thread.start()
    thread.join()
    (connection,) = used
    return connection


def test_each_thread_reads_on_its_own_connection():
    reads = Reads(os.environ["DATABASE_URL"])
    try:
        reads.one("SELECT 1")
        mine = reads.connections()[0].info.backend_pid
        theirs = _read_in_a_thread(reads).info.backend_pid
        assert theirs != mine
    finally:
        reads.close()
    assert reads.connections() == []


def test_a_finished_threads_connection_is_closed_by_the_next_one_to_connect():
    reads = Reads(os.environ["DATABASE_URL"])
    try:
        first = _read_in_a_thread(reads)
        assert not first.closed  # its thread has ended; nobody has connected since
        second = _read_in_a_thread(reads)
        assert first.closed and not second.closed
        assert reads.connections() == [second]
    finally:
        reads.close()


def test_a_forgotten_reads_closes_its_connections_when_collected():
    reads = Reads(os.environ["DATABASE_URL"])
    reads.one("SELECT 1")
    connection = reads.connections()[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error", ResourceWarning)
        del reads
        gc.collect()
    assert connection.closed

"""The benchmark suite: rtmsg side by side with the decoders people use today.

``python -m bench`` (``make bench``) runs the pytest-benchmark suite in this folder on the
embedded corpus (:mod:`bench.corpus`), then turns its JSON into the ratios table
(:mod:`bench.report`) and writes ``docs/benchmarks.md``.
"""

"""The benchmark suite: rtmsg side by side with the decoders people use today.

``python -m bench`` (``make bench``) runs the pytest-benchmark suite in this folder on the
embedded corpus (:mod:`bench.corpus`), then prints the report (:mod:`bench.report`) and keeps
it, with the run's JSON, in ``.benchmarks/``; ``python -m bench.report --publish``
(``make bench-publish``) copies the last full run into ``docs/benchmarks.md`` and the README.
``python -m bench.msgspec_versions`` (``make bench-msgspec``) times two msgspec releases
against each other.
"""

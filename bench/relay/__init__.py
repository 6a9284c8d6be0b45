"""``make relay-bench``: what the relay costs, measured as a deployment would see it.

``python -m bench.relay`` starts an upstream sink (:mod:`bench.relay.sink`), each relay under
test (``rtmsg relay`` on each transport it offers, with and without a capture, and the
minimal relays of :mod:`bench.relay.forward`, the floors) and load generators
(:mod:`bench.relay.load`), each in its own process; runs each load through each relay in
interleaved passes (:mod:`bench.relay.harness`), reading every process's CPU time from /proc
(:mod:`bench.relay.procstat`); and prints the report with the targets judged
(:mod:`bench.relay.report`), which ``python -m bench.relay.report --publish`` puts into the
README without running anything.
"""

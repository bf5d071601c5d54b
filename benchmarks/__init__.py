"""``make bench``: sweep cost, event latency, concurrent writers and delivery throughput on
real components.

``python -m benchmarks`` runs them all (``BENCH_SCALE=small`` for a quick run) and
``python -m benchmarks.profile_sweep`` shows where a sweep's time goes.
"""

"""The peers of ``ep.score``: NCT03917797 scored in idiomatic polars and in DuckDB SQL
(see benchmarks/README.md and ``run_peers.py``)."""

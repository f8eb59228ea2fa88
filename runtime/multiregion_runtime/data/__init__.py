"""Results as data: Arrow schemas, rows, sinks (Parquet, Arrow, DuckDB), streams.

Typed against Protocols (``rows.ResultRow``, ``stream.PageSource``), never a client
or a results class, so results can use it without a circle. pyarrow and duckdb are
imported inside functions only.

May import: core, targets.
"""

"""SQL target: the decision graph as one SQL query over a facts table (DuckDB, Spark SQL)."""

"""The benchmark harness behind `make bench`: page times, SQL queries, throughput and growth with the data size."""

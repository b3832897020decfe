"""Demo data for `make demo`: one account per role (richer data arrives with later features)."""

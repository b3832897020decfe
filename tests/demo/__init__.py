"""The demo data generator (flask seed-demo)."""

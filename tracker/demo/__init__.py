"""Demo data: one account per role (`flask seed-demo`), and made-up enquiries with their history (`--enquiries N`)."""

"""The treatment catalogue: what the clinic offers (managed by administrators in a later feature)."""

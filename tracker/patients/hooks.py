"""Where features built on patients plug in: what a patient's archive, restore and merge carry with them, and
what a patient list loads or counts of theirs."""

from tracker.hooks import Hook

# (patient, at) -> None. A patient is archived at `at`: their records are archived with them.
archiving: Hook[None] = Hook("patient archiving")

# (patient, archived_at) -> None. An archived patient comes back with what was archived with them at that time.
restoring: Hook[None] = Hook("patient restoring")

# (other, keep) -> dict. `other` is merged into `keep`: each feature moves what hangs from `other` and says
# what moved (its keys join the merge's audit summary: {"enquiries": [ids], "matches": [ids]}).
merging: Hook[dict] = Hook("patient merging")

# () -> list of loader options. What a patient search loads with each patient (their live enquiries).
search_loads: Hook[list] = Hook("patient search loads")

# (patient_ids) -> dict[int, int]. Live records per patient, for the duplicates pages (one statement each).
record_counts: Hook[dict[int, int]] = Hook("patient record counts")

# (patient) -> list. The patient page's list of their live enquiries, newest first.
records: Hook[list] = Hook("patient records")

"""Reads for the patient pages."""

from tracker.patients import hooks
from tracker.patients.models import Patient


def records(patient: Patient) -> list:
    """What the patient page lists under them: each feature's live records (their enquiries), in rank order."""
    return [record for answer in hooks.records.ask(patient) for record in answer]

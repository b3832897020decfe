"""The likely duplicates list, and merging two records of one person."""

from functools import partial

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user

from tracker.errors import ConflictError
from tracker.extensions import db
from tracker.forms import TrackerForm
from tracker.outcomes import submit
from tracker.pagination import page_number, paginate_window
from tracker.patients import bp, services
from tracker.patients import duplicates as pairs
from tracker.patients import merge as merging
from tracker.patients.forms import MergeForm
from tracker.permissions import require


@bp.route("/patients/duplicates")
@require("patient.merge")
def duplicates():
    """Pairs of live records that may be one person, with why, to review and merge."""
    total = pairs.count_pairs()
    page = paginate_window(pairs.read_pairs, pairs.PER_PAGE, min(total, pairs.COUNT_CAP))
    ids = {pair.first.id for pair in page.items} | {pair.second.id for pair in page.items}
    crowded, crowded_total = pairs.crowded_values()
    return render_template("patients/duplicates.html", page=page, counts=pairs.enquiry_counts(ids),
                           contacts=pairs.further_contacts(ids), more=total > pairs.COUNT_CAP, crowded=crowded,
                           crowded_total=crowded_total, shared_limit=pairs.SHARED_LIMIT)


@bp.route("/patients/<id:patient_id>/not-same/<id:other_id>", methods=["POST"])
@require("patient.merge")
def not_same_person(patient_id: int, other_id: int):
    """Two records are different people: the pair leaves the duplicates list for good."""
    for i in (patient_id, other_id):
        services.get_patient(i, archived=True) or abort(404)
    if not TrackerForm().validate_on_submit():
        flash("The page was out of date; please look again and retry.", "warning")
    elif patient_id == other_id:
        flash("A record cannot be told apart from itself.", "warning")
    else:
        pairs.mark_distinct(patient_id, other_id, by_id=current_user.id)
        db.session.commit()
        flash(f"Noted: patients #{patient_id} and #{other_id} are different people. The pair is no longer listed.",
              "success")
    return redirect(url_for("patients.duplicates", page=page_number()))


@bp.route("/patients/<id:patient_id>/merge/<id:other_id>", methods=["GET", "POST"])
@require("patient.merge")
def merge(patient_id: int, other_id: int):
    """The two records side by side; merging keeps the one chosen and archives the other into it."""
    first, second = (services.get_patient(i, archived=True) or abort(404) for i in (patient_id, other_id))
    problem = merging.refusal(first, second)
    if problem:
        flash(problem, "warning")
        return redirect(url_for("patients.duplicates"))
    form = MergeForm.for_pair(first, second)
    if form.validate_on_submit():
        keep, other = (first, second) if form.keep.data == first.id else (second, first)
        versions = {first.id: form.first_version.data, second.id: form.second_version.data}
        merge_pair = partial(merging.merge, keep, other, by_id=current_user.id, keep_version=versions[keep.id],
                             other_version=versions[other.id])
        try:  # a MergeError: merged or archived by someone else since the check above
            return submit(form, merge_pair, done=partial(_merged, keep, other), back=url_for("patients.duplicates"),
                          alert="warning", to=url_for("patients.detail", patient_id=keep.id)).response
        except ConflictError as error:  # the records are shown as saved now, beside the choice
            db.session.rollback()
            form.take_current_versions(first, second)
            return _page(form, first, second, error.message), 409
    return _page(form, first, second)


def _merged(keep, other, summary: dict) -> str:
    moved = len(summary["enquiries"])
    return (f"Merged: {other.full_name} (#{other.id}) is now part of {keep.full_name}; "
            f"{moved} {'enquiry' if moved == 1 else 'enquiries'} moved.")


def _page(form: MergeForm, first, second, conflict: str | None = None) -> str:
    ids = {first.id, second.id}
    return render_template("patients/merge.html", form=form, first=first, second=second, conflict=conflict,
                           counts=pairs.enquiry_counts(ids), contacts=pairs.further_contacts(ids))

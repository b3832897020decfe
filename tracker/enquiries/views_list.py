"""The enquiry list with its stage tabs and filters, search, and archived records."""

from flask import render_template, request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from tracker.db import utcnow
from tracker.enquiries import bp, choices, drilldown, queries
from tracker.enquiries.drilldown import DrillDown
from tracker.enquiries.forms import REPORT_FILTERS, ListFilterForm
from tracker.enquiries.models import Channel, Concern, Enquiry
from tracker.enquiries.stages import PIPELINE, Stage
from tracker.extensions import db
from tracker.pagination import paginate_window
from tracker.patients import services as patients
from tracker.patients.forms import VersionForm
from tracker.patients.models import Patient
from tracker.permissions import require

PER_PAGE = 25


def _filters(form: ListFilterForm) -> queries.ListFilters:
    """The filters a valid form asks for; an invalid field is ignored (its message shows beside it)."""
    ok = {name for name, field in form._fields.items() if not field.errors}
    data = {name: form[name].data if name in ok else None for name in form._fields}
    assignee = data["assignee"] or ""
    if assignee == "me":
        assignee = str(current_user.id)
    return queries.ListFilters(
        stage=data["stage"] or "",
        channel=Channel(data["channel"]) if data["channel"] else None,
        source_id=data["source"],
        assignee=assignee,
        concern=Concern(data["concern"]) if data["concern"] else None,
        treatment_id=data["treatment"],
        received_from=data["received_from"],
        received_to=data["received_to"],
        uncontacted=bool(data["uncontacted"]),
        no_followup=bool(data["no_followup"]),
        drill=_drill(data),
    )


def _drill(data: dict) -> DrillDown:
    """The report filters a valid form asks for."""
    def stage(name: str) -> Stage | None:
        return Stage(data[name]) if data[name] else None

    return DrillDown(reached=stage("reached"), entered=stage("entered"), entered_from=data["entered_from"],
                     entered_to=data["entered_to"], decided=data["decided"] == "y",
                     lost_reason=data["lost_reason"] or "",
                     lost_from=stage("lost_from"), contact=data["contact"] or "", specialist_id=data["specialist"],
                     overdue=data["overdue"] or "", plan=data["plan"] or "", plan_from=data["plan_from"],
                     plan_to=data["plan_to"])


@bp.route("/enquiries")
@require("enquiry.view")
def index():
    """Enquiries by stage, filtered and sorted, with a count on every stage tab."""
    form = ListFilterForm(formdata=request.args)
    choices.fill_filters(form)
    form.validate()
    filters = _filters(form)
    counts = queries.stage_counts(filters)
    # A report's number links here: the list then counts exactly, to show the same number.
    # A refused report value is explained in the same box, not silently ignored.
    drilled = (filters.drill != DrillDown() or (form.report.data == "pipeline" and not form.report.errors)
               or any(form[name].errors for name in REPORT_FILTERS))
    capped = queries.total_for(counts, filters.stage)  # its `more` chooses the page's plan (page_statement)
    total = queries.exact_total(filters) if drilled else capped
    sort = form.sort.data if not form.sort.errors else "newest"
    page = paginate_window(lambda offset, limit: db.session.scalars(
        queries.page_statement(filters, sort, offset, limit, few=not capped.more)).all(),
        PER_PAGE, min(total.n, queries.LIST_DEPTH))
    late = queries.past_first_contact_target(page.items, utcnow())
    # Only the list's own parameters go into its links (never url_for's reserved names).
    list_args = {name: request.args[name] for name in form._fields if request.args.get(name)}
    return render_template("enquiries/index.html", form=form, filters=filters, counts=counts, page=page,
                           list_args=list_args, total=total, drilled=drilled, report_fields=REPORT_FILTERS,
                           drill_summary=drilldown.describe(filters.drill) if drilled else [],
                           plain_args={k: v for k, v in list_args.items() if k not in REPORT_FILTERS},
                           late=late, list_depth=queries.LIST_DEPTH,
                           open_count=queries.total_for(counts, ""), all_count=queries.total_for(counts, "all"),
                           pipeline=PIPELINE, Stage=Stage)


@bp.route("/search")
@require("patient.view")
def search():
    """Find patients by name, phone or e-mail, with their enquiries."""
    text = (request.args.get("q") or "")[:200]
    results, more = patients.search(text)
    return render_template("enquiries/search.html", q=text, results=results, more=more)


@bp.route("/archived")
@require("record.restore")
def archived():
    """Archived patients and enquiries, newest first, for a manager to restore."""
    patient_rows = db.session.scalars(select(Patient).where(Patient.archived_at.is_not(None))
                                      .order_by(Patient.archived_at.desc()).limit(200)).all()
    enquiry_rows = db.session.scalars(
        select(Enquiry).join(Patient, Enquiry.patient_id == Patient.id)
        .where(Enquiry.archived_at.is_not(None), Patient.archived_at.is_(None))
        .options(selectinload(Enquiry.patient)).order_by(Enquiry.archived_at.desc()).limit(200)).all()
    return render_template("enquiries/archived.html", patients=patient_rows, enquiries=enquiry_rows,
                           version_form=VersionForm())

"""The enquiry list with its stage tabs and filters, search, and archived records."""

from flask import render_template, request
from flask_login import current_user

from tracker.db import utcnow
from tracker.enquiries import bp, choices, drilldown, queries
from tracker.enquiries.drilldown import DrillDown
from tracker.enquiries.forms import REPORT_FILTERS
from tracker.enquiries.stages import PIPELINE, Stage
from tracker.pagination import paginate_window
from tracker.patients import services as patients
from tracker.patients.forms import VersionForm
from tracker.permissions import require

PER_PAGE = 25


@bp.route("/enquiries")
@require("enquiry.view")
def index():
    """Enquiries by stage, filtered and sorted, with a count on every stage tab."""
    form, filters = choices.read_filters(request.args, current_user.id)
    counts = queries.stage_counts(filters)
    # A report's number links here: the list then counts exactly, to show the same number.
    # A refused report value is explained in the same box, not silently ignored.
    drilled = (filters.drill != DrillDown() or (form.report.data == "pipeline" and not form.report.errors)
               or any(form[name].errors for name in REPORT_FILTERS))
    capped = queries.total_for(counts, filters.stage)  # its `more` chooses the page's plan (page_statement)
    total = queries.exact_total(filters) if drilled else capped
    sort = form.sort.data if not form.sort.errors else "newest"
    page = paginate_window(lambda offset, limit: queries.page_rows(filters, sort, offset, limit, few=not capped.more),
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
    return render_template("enquiries/archived.html", patients=queries.archived_patients(),
                           enquiries=queries.archived_enquiries(), version_form=VersionForm())

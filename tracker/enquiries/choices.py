"""The choice lists enquiry forms offer: sources, treatments and staff, one query each."""

from sqlalchemy import select

from tracker.auth.models import User
from tracker.catalogue.models import Treatment
from tracker.catalogue.services import active_treatments
from tracker.enquiries import export
from tracker.enquiries.forms import ListFilterForm
from tracker.enquiries.queries import ListFilters
from tracker.extensions import db
from tracker.settings import services as settings
from tracker.settings.models import OptionKind


def active_staff() -> list[User]:
    """Staff who can be assigned an enquiry."""
    return list(db.session.scalars(select(User).where(User.active).order_by(User.full_name)))


def fill_filters(form) -> None:
    """Give a filter form every source, treatment and member of staff, retired ones too.

    Old enquiries keep their retired source or treatment, so lists, exports and the reports' links must be able
    to filter by them (a link that the form refused would list everything instead).
    """
    treatments = list(db.session.scalars(select(Treatment).order_by(Treatment.active.desc(), Treatment.position)))
    staff = list(db.session.scalars(select(User).order_by(User.active.desc(), User.full_name)))
    form.set_choices(sources=settings.options(OptionKind.SOURCE, include_retired=True), treatments=treatments,
                     staff=staff)


def read_filters(args, me: int) -> tuple[ListFilterForm, ListFilters]:
    """The list's filter form read from a query string (any choice, retired ones too) and the filters it asks for;
    the list, the board and the export each start so."""
    form = ListFilterForm(formdata=args)
    fill_filters(form)
    form.validate()
    return form, form.filters(me)


def read_export(args, me: int, can) -> export.Asked:
    """An export asked for by a query string (a MultiDict), for reader `me` with permissions `can`: the list's
    filters read as the list reads them (a refused field is ignored), and the columns this reader may see.
    Needs no request: a background job reads the asker's saved query string so."""
    form, filters = read_filters(args, me)
    # What the export was narrowed by, as asked: the list's own parameters that were used (not refused).
    used = {name: args[name] for name, field in form._fields.items() if args.get(name) and not field.errors}
    return export.Asked(filters, form.sort.data if not form.sort.errors else "newest", export.columns_for(can), used)


def fill(form, enquiry=None) -> None:
    """Give a form its sources, treatments and staff; an enquiry's own retired ones stay choosable on it."""
    sources, treatments, staff = settings.options(OptionKind.SOURCE), active_treatments(), active_staff()
    if enquiry is not None:
        if enquiry.source is not None and not enquiry.source.active:
            sources.append(enquiry.source)
        treatments += [t for t in enquiry.treatments if not t.active]
        if enquiry.assigned_to is not None and not enquiry.assigned_to.active:
            staff.append(enquiry.assigned_to)
    form.set_choices(sources=sources, treatments=treatments, staff=staff)

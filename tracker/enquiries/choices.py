"""The choice lists enquiry forms offer: sources, treatments and staff, one query each."""

from sqlalchemy import select

from tracker.auth.models import User
from tracker.catalogue.services import active_treatments
from tracker.extensions import db
from tracker.settings import services as settings
from tracker.settings.models import OptionKind


def active_staff() -> list[User]:
    """Staff who can be assigned an enquiry."""
    return list(db.session.scalars(select(User).where(User.active).order_by(User.full_name)))


def fill(form) -> None:
    """Give a form its sources, treatments and staff."""
    form.set_choices(sources=settings.options(OptionKind.SOURCE), treatments=active_treatments(),
                     staff=active_staff())

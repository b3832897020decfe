"""What consultations give enquiries: the assessments panel, the timeline's assessment and hint lines, and the
export's clinical columns."""

from sqlalchemy import select
from sqlalchemy.orm import aliased

from tracker.consultations import hints, services
from tracker.consultations.models import Assessment, ScarFinding, ScarType, SkinType
from tracker.enquiries import export, hooks
from tracker.enquiries.hooks import Entry, PagePart
from tracker.enquiries.models import Enquiry


@hooks.page_parts.provider(rank=20)
def assessments_panel(enquiry, *, clinical: bool) -> PagePart:
    """The enquiry's assessments by consultation; clinical detail shown when the reader may see it."""
    assessments = services.for_enquiry(enquiry.id, findings=clinical)
    return PagePart({"assessments": assessments}, clinical=clinical and bool(assessments))


@hooks.timeline_entries.provider(rank=20)
def assessment_entries(enquiry_id: int, *, clinical: bool, loaded: dict) -> list[Entry]:
    """Assessments recorded and amended (none asked for when the page loaded none)."""
    assessments = loaded.get("assessments")
    if assessments is not None and not assessments:
        return []
    return services.timeline_entries(enquiry_id, clinical=clinical,
                                     assessments=None if assessments is None else list(assessments.values()))


@hooks.timeline_entries.provider(rank=40)
def hint_entries(enquiry_id: int, *, clinical: bool, loaded: dict) -> list[Entry]:
    """Decision-support hints acknowledged; an enquiry with neither assessment nor plan has none to ask for."""
    assessments, plans = loaded.get("assessments"), loaded.get("plans")
    if assessments is not None and plans is not None and not assessments and not plans:
        return []
    return hints.timeline_entries(enquiry_id, clinical=clinical)


_Latest = aliased(Assessment, name="latest_assessment")  # the enquiry's most recent assessment, if any
_latest_assessment_id = (select(Assessment.id).where(Assessment.enquiry_id == Enquiry.id)
                         .order_by(Assessment.assessed_at.desc(), Assessment.id.desc()).limit(1)
                         .correlate(Enquiry).scalar_subquery())
_THROUGH_LATEST = (_Latest, _Latest.id == _latest_assessment_id)


def _scar_types(codes: str | None, _lookups) -> str:
    """Scar type codes named, in the assessment form's order."""
    found = set((codes or "").split(","))
    return ", ".join(t.label for t in ScarType if t.value in found)


@export.columns.provider(rank=20)
def assessment_columns() -> list[export.Column]:
    """The latest assessment's skin type, scar types and grade: clinical, so only for readers who may see them."""
    return [
        export.Column("Skin type (Fitzpatrick)", _Latest.skin_type,
                      lambda v, _: v.value if isinstance(v, SkinType) else None, clinical=True, rank=200,
                      join=_THROUGH_LATEST),
        export.Column("Scar types seen", export.listed(ScarFinding.scar_type, ScarFinding.assessment_id == _Latest.id,
                                                       ScarFinding.present.is_(True)), _scar_types, clinical=True,
                      rank=210, join=_THROUGH_LATEST),
        export.Column("Severity grade (Goodman & Baron)", _Latest.gb_grade, clinical=True, rank=220,
                      join=_THROUGH_LATEST),
    ]

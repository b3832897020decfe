"""Loading an enquiry for a page that acts on it: a missing or archived one answers 404."""

from flask import abort

from tracker.enquiries import services
from tracker.enquiries.models import Enquiry


def enquiry_or_404(enquiry_id: int) -> Enquiry:
    """The enquiry, unless missing or archived."""
    return services.get_enquiry(enquiry_id) or abort(404)

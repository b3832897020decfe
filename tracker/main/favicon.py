"""/favicon.ico, which browsers ask for on every site whatever the page links: the tracker's mark, cached a week."""

from pathlib import Path

from flask import current_app, send_from_directory

from tracker.main import bp
from tracker.permissions import public

MAX_AGE = 7 * 24 * 60 * 60  # seconds; the icon changes with a release, if ever


@bp.route("/favicon.ico")
@public
def favicon():
    """The icon as a file from tracker/static/img, with a validator and a week's public caching."""
    folder = Path(current_app.static_folder) / "img"
    response = send_from_directory(folder, "favicon.ico", mimetype="image/vnd.microsoft.icon", max_age=MAX_AGE)
    response.cache_control.public = True
    return response

"""The appointment diary: a column per specialist, free time to book, blocks to move; a day list without JavaScript."""

from flask import Blueprint

bp = Blueprint("diary", __name__)
FULLCALENDAR_VERSION = "6.1.21"  # tracker/static/vendor/fullcalendar/<version>/, see its README.md

"""URL converters: record ids in URLs are positive and fit the database's integer column."""

from werkzeug.routing import IntegerConverter

MAX_ID = 2**31 - 1  # PostgreSQL INTEGER; a larger id cannot exist, so the URL is a 404


class IdConverter(IntegerConverter):
    """`<id:name>`: a record id from 1 to MAX_ID; anything else does not match (404)."""

    def __init__(self, url_map):
        super().__init__(url_map, min=1, max=MAX_ID)

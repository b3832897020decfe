"""Browser journeys against a live server."""

"""The week calendar, the feed settings page, and the feed itself."""

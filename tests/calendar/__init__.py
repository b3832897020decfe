"""The week calendar and the iCalendar feeds."""

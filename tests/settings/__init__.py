"""The settings page: the clinic's defaults and its editable lists."""

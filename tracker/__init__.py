"""The clinic tracker: follows each enquiry from the first call to the last treatment review."""

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def create_app(config_name: str | None = None, overrides: dict | None = None):
    """Build the application (tracker.app.create_app).

    The one import inside a function, on purpose: every `import tracker.<module>` runs this file first, so it
    must stay light; the factory, which imports every feature, loads only when an application is built.
    """
    from tracker.app import create_app as build

    return build(config_name, overrides)

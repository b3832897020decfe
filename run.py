"""Development server: `python run.py` serves http://127.0.0.1:5000 (production uses gunicorn)."""

import os

from tracker import create_app

app = create_app()

if __name__ == "__main__":
    app.run(host=os.environ.get("HOST", "127.0.0.1"), port=int(os.environ.get("PORT", "5000")))

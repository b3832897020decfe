"""`python -m bench`: run the harness with the settings in the environment."""

from bench.harness import main

raise SystemExit(main())

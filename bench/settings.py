"""Settings for the benchmark server only: the product's settings plus the floor endpoint's URLs.

Never used in production; ``bench/run.py`` starts gunicorn with it to compare case submission
with an endpoint that does nothing but insert one row in one transaction.
"""

from config.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
LOGGING = {**LOGGING, "root": {"handlers": ["console"], "level": "WARNING"}}  # noqa: F405
# The inquiry figure looks up hundreds of customers as one intake user: a person does twenty a minute.
IDENTIFIER_LOOKUPS_PER_MINUTE = 1_000_000

# The data set's own "today" when the runner passes it (bench/clock.py), in gunicorn's workers too.
from bench.clock import install as _clock_install  # noqa: E402

_clock_install()

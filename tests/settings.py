"""The test suite's settings: the production settings, over plain HTTP with a fixed key.

The values go into the environment rather than only into these settings, so the servers
and workers that tests start (tests/live.py) run with them too.
"""

import os

from tests.live import LOCAL_HTTP_ENV

for _name, _value in LOCAL_HTTP_ENV.items():
    os.environ.setdefault(_name, _value)

from continuity.settings import *  # noqa: E402, F403

# The test client builds the middleware for every client: let WhiteNoise look files up per
# request instead of scanning a collected STATIC_ROOT each time.
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

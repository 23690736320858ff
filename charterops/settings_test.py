"""Settings for the test suite: the development configuration (debug on, the public dev key, plain http).

Production settings fail closed without ``DJANGO_DEBUG=1``; the tests run the laptop
configuration unless their environment says otherwise. The variable is set in this
process's environment, so the worker and server subprocesses the integration tests
start load the same configuration. Tests of the production configuration start
their own subprocess with ``DJANGO_DEBUG=0`` (tests/production/).
"""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")

from charterops.settings import *  # noqa: E402, F403

"""`comptoir worker` for the publisher's fault tests and benchmark: the same consumer and jobs, with the local
test network registered and the publisher's waits shortened so faults resolve in seconds, not minutes.

Environment: the usual DATABASE_URL and COMPTOIR_DATA_DIR, plus COMPTOIR_TEST_STUCK_AFTER (seconds before a
silent claim counts as dead, default 45) and COMPTOIR_TEST_WORKERS (consumer threads, default 2).
Run as `python -m tests.peers.publisher_worker`.
"""

from __future__ import annotations

import os
import sys
from datetime import timedelta


def main() -> int:
    from comptoir import cli

    cli._setup_django()
    from comptoir.publishing import jobs, publisher
    from comptoir.testing import local_network

    local_network.register()
    publisher.STUCK_AFTER = timedelta(seconds=float(os.environ.get("COMPTOIR_TEST_STUCK_AFTER", "45")))
    publisher.BACKOFF_BASE = timedelta(seconds=1)
    publisher.TIDY_INTERVAL = 1.0
    # The periodic pass starts at the next minute; a first loop right away spares the tests that wait.
    jobs.publish_due_targets()
    return cli.worker(int(os.environ.get("COMPTOIR_TEST_WORKERS", "2")))


if __name__ == "__main__":
    sys.exit(main())

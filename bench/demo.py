"""Demo benchmark: how long `comptoir demo` takes to fill its workspaces, the first time and when run again.

Builds a throwaway SQLite database in a temporary data directory, migrates it (not timed), loads the NLP models
(timed apart: the first classification pays for it), then times `create_demo` twice and prints the figures.

    .venv/bin/python bench/demo.py
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def timed(label: str, function: Callable[[], object]) -> None:
    """Wall-clock and CPU time: on a busy machine the CPU figure says what the demo itself costs."""
    wall, cpu = time.perf_counter(), time.process_time()
    function()
    print(f"{label}: {time.perf_counter() - wall:.2f} s wall, {time.process_time() - cpu:.2f} s CPU")


def run() -> None:
    from django.core.management import call_command

    from comptoir import nlp
    from comptoir.demo import create_demo
    from comptoir.inbox.models import Conversation
    from comptoir.publishing.models import PostTarget

    call_command("migrate", interactive=False, verbosity=0)
    timed("NLP models loaded", lambda: nlp.classify(["Bonjour !", "Hello!"], languages=["fr", "en"]))
    timed("First run (creates everything)", lambda: create_demo("demo@comptoir.local"))
    print(f"  {PostTarget.objects.count()} post targets, {Conversation.objects.count()} conversations")
    timed("Second run (finds everything)", lambda: create_demo("demo@comptoir.local"))


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as directory:
        os.environ["COMPTOIR_DATA_DIR"] = directory
        os.environ.pop("DATABASE_URL", None)
        os.environ["DJANGO_SETTINGS_MODULE"] = "comptoir.settings"
        import django

        django.setup()
        run()


if __name__ == "__main__":
    main()

"""Calendar benchmark: month view, iCal feed, next free slot and recurrence materialising over N planned targets.

Builds a throwaway SQLite database in a temporary data directory, plans N targets over a year on 20 channels
with weekly queue slots, then times the functions the pages and the job call, and prints the figures.

    .venv/bin/python bench/calendar_month.py --targets 20000
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from datetime import time as dt_time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHANNELS = 20


def timed(function: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and worst time in milliseconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), max(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=20_000)
    parser.add_argument("--recurrences", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as directory:
        os.environ["COMPTOIR_DATA_DIR"] = directory
        os.environ.pop("DATABASE_URL", None)
        os.environ["DJANGO_SETTINGS_MODULE"] = "comptoir.settings"
        import django

        django.setup()
        run(options.targets, options.recurrences, options.repeat)


def run(count: int, recurrences: int, repeat: int) -> None:
    from django.core.management import call_command
    from django.http import QueryDict
    from django.test import RequestFactory

    from comptoir.publishing import calendar_views, ical, recurrence, slots
    from comptoir.publishing.models import Post, PostTarget, QueueSlot
    from comptoir.testing.factories import ChannelFactory, MembershipFactory

    call_command("migrate", verbosity=0)
    owner = MembershipFactory()
    workspace = owner.workspace
    channels = [ChannelFactory(workspace=workspace, network="mastodon") for _ in range(CHANNELS)]
    for channel in channels:
        QueueSlot.objects.bulk_create(
            QueueSlot(channel=channel, weekday=day, local_time=dt_time(9, 0)) for day in range(7)
        )
    start = datetime(2027, 1, 1, 8, tzinfo=UTC)
    seed = time.perf_counter()
    posts = Post.objects.bulk_create(
        Post(workspace=workspace, author=owner.user, title=f"Annonce {index}")
        for index in range(count // CHANNELS + 1)
    )
    PostTarget.objects.bulk_create(
        PostTarget(
            post=posts[index // CHANNELS],
            channel=channels[index % CHANNELS],
            text=f"Post {index}",
            state=PostTarget.State.SCHEDULED,
            due_at=start + timedelta(minutes=26 * index),
            next_attempt_at=start + timedelta(minutes=26 * index),
        )
        for index in range(count)
    )
    print(f"seeded {count} targets in {time.perf_counter() - seed:.1f} s")

    request = RequestFactory().get("/", QueryDict("date=2027-06-01"))
    request.user = owner.user
    month = timed(lambda: calendar_views.calendar_context(request, owner, "month"), repeat)
    print(f"month view context: median {month[0]:.1f} ms, worst {month[1]:.1f} ms")
    now = datetime(2027, 1, 1, tzinfo=UTC)
    feed = timed(lambda: ical.build_feed(workspace, ical.feed_events(workspace, now), now), repeat)
    print(f"iCal feed (a year ahead): median {feed[0]:.1f} ms, worst {feed[1]:.1f} ms")
    free = timed(lambda: slots.next_free_slot(channels[0], now), repeat)
    print(f"next_free_slot: median {free[0]:.2f} ms, worst {free[1]:.2f} ms")

    for index in range(recurrences):
        source = Post.objects.create(workspace=workspace, author=owner.user, title=f"Récurrent {index}")
        PostTarget.objects.create(post=source, channel=channels[index % CHANNELS], text="Récurrent")
        recurrence.do_create_recurrence(workspace, owner.user, source, "FREQ=DAILY", datetime(2027, 1, 1, 9))  # noqa: DTZ001 - a wall clock
    began = time.perf_counter()
    created = recurrence.materialise_all(now)
    first = time.perf_counter() - began
    began = time.perf_counter()
    again = recurrence.materialise_all(now)
    second = time.perf_counter() - began
    print(
        f"materialise {recurrences} recurrences: {created} posts in {first:.2f} s; rerun {again} in {second:.2f} s"
    )


if __name__ == "__main__":
    main()

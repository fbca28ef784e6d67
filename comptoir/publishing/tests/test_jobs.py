"""Scheduling hands targets due within a minute to a worker task at their due time; later ones wait for the
periodic pass."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import timedelta

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from comptoir.channels.models import Channel
from comptoir.publishing.actions import do_create_post
from comptoir.publishing.jobs import publish_target_when_due
from comptoir.publishing.models import PostTarget
from comptoir.workspaces.models import Membership
from tests.peers.mastodon import MastodonState


@pytest.fixture(autouse=True)
def empty_schedule() -> Iterator[None]:
    HUEY.storage.flush_schedule()
    yield
    HUEY.storage.flush_schedule()


def schedule_post(
    owner: Membership, channel: Channel, when: timedelta, capture: Callable[..., object]
) -> PostTarget:
    with capture(execute=True):  # type: ignore[attr-defined]
        post = do_create_post(
            owner.workspace,
            owner.user,
            title="Atelier",
            variants={channel: "Atelier pâtisserie samedi"},
            publish_at=timezone.now() + when,
        )
    target: PostTarget = post.targets.get()
    return target


def test_target_due_within_a_minute_gets_its_own_task(
    owner: Membership,
    mastodon_server: MastodonState,
    mastodon_channel: Channel,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    target = schedule_post(owner, mastodon_channel, timedelta(seconds=30), django_capture_on_commit_callbacks)
    [task] = HUEY.scheduled()
    assert task.name == "publish_target_when_due" and task.args == (target.pk,)
    assert target.due_at is not None and task.eta == target.due_at.replace(tzinfo=None)
    assert PostTarget.objects.get().state == PostTarget.State.SCHEDULED
    assert mastodon_server.statuses == {}


def test_later_target_waits_for_the_periodic_pass(
    owner: Membership, mastodon_channel: Channel, django_capture_on_commit_callbacks: Callable[..., object]
) -> None:
    schedule_post(owner, mastodon_channel, timedelta(hours=3), django_capture_on_commit_callbacks)
    assert HUEY.scheduled() == []


def test_the_task_does_nothing_when_the_periodic_pass_got_there_first(
    owner: Membership,
    mastodon_server: MastodonState,
    mastodon_channel: Channel,
    django_capture_on_commit_callbacks: Callable[..., object],
) -> None:
    target = schedule_post(owner, mastodon_channel, timedelta(hours=3), django_capture_on_commit_callbacks)
    PostTarget.objects.filter(pk=target.pk).update(state=PostTarget.State.CLAIMED, claimed_by="periodic")
    PostTarget.objects.filter(pk=target.pk).update(due_at=timezone.now(), next_attempt_at=timezone.now())
    publish_target_when_due.call_local(target.pk)
    target.refresh_from_db()
    assert (target.state, target.claimed_by) == (PostTarget.State.CLAIMED, "periodic")
    assert mastodon_server.statuses == {}

"""The target state machine: only the documented moves happen, and only from the state the mover saw."""

from __future__ import annotations

import pytest

from comptoir.publishing.models import PostTarget
from comptoir.publishing.publisher import TRANSITIONS, TransitionError, move
from comptoir.testing.factories import ChannelFactory, PostFactory, PostTargetFactory

State = PostTarget.State


def test_every_state_has_its_moves_declared() -> None:
    assert set(TRANSITIONS) == set(State)
    assert TRANSITIONS[State.PUBLISHED] == frozenset()
    assert TRANSITIONS[State.CLAIMED] == {State.PUBLISHED, State.FAILED, State.UNKNOWN, State.SCHEDULED}


def test_a_move_the_machine_forbids_raises(db: None) -> None:
    target = PostTargetFactory(state=State.PUBLISHED)
    with pytest.raises(TransitionError):
        move(target.pk, {State.PUBLISHED}, State.SCHEDULED)
    with pytest.raises(TransitionError):
        move(target.pk, {State.UNKNOWN}, State.CLAIMED)


def test_a_move_from_a_stale_state_changes_nothing(db: None) -> None:
    target = PostTargetFactory(state=State.SCHEDULED)
    assert move(target.pk, {State.SCHEDULED}, State.CLAIMED, claimed_by="worker-1")
    assert not move(target.pk, {State.SCHEDULED}, State.CLAIMED, claimed_by="worker-2")
    target.refresh_from_db()
    assert (target.state, target.claimed_by) == (State.CLAIMED, "worker-1")


def test_a_target_only_goes_to_its_own_workspaces_channels(db: None) -> None:
    post = PostFactory()
    foreign = ChannelFactory()
    target = PostTarget(post=post, channel=foreign, text="Bonjour")
    with pytest.raises(Exception, match="canaux de son espace"):
        target.full_clean()


def test_each_target_keeps_one_idempotency_key(db: None) -> None:
    first, second = PostTargetFactory(), PostTargetFactory()
    key = first.idempotency_key
    first.refresh_from_db()
    assert first.idempotency_key == key != second.idempotency_key

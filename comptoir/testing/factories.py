"""factory_boy factories for the core models."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import factory
from django.utils import timezone

from comptoir.accounts.models import User
from comptoir.api.actions import do_create_api_token
from comptoir.api.models import ApiToken
from comptoir.channels import crypto
from comptoir.channels.models import Channel
from comptoir.workspaces.models import Invitation, Membership, Workspace
from comptoir.workspaces.permissions import Role

PASSWORD = "correct horse battery staple"  # noqa: S105 - test accounts only


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@example.test")
    full_name = factory.Faker("name", locale="fr_FR")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        if create:
            self.save()


class WorkspaceFactory(factory.django.DjangoModelFactory[Workspace]):
    class Meta:
        model = Workspace

    name = factory.Sequence(lambda n: f"Marque {n}")
    slug = factory.Sequence(lambda n: f"marque-{n}")


class MembershipFactory(factory.django.DjangoModelFactory[Membership]):
    class Meta:
        model = Membership

    workspace = factory.SubFactory(WorkspaceFactory)
    user = factory.SubFactory(UserFactory)
    role = Role.OWNER


class InvitationFactory(factory.django.DjangoModelFactory[Invitation]):
    class Meta:
        model = Invitation

    workspace = factory.SubFactory(WorkspaceFactory)
    email = factory.Sequence(lambda n: f"invitee{n}@example.test")
    role = Role.EDITOR
    token_hash = factory.Sequence(lambda n: Invitation.hash_token(f"token-{n}"))
    expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(days=7))


class ChannelFactory(factory.django.DjangoModelFactory[Channel]):
    class Meta:
        model = Channel

    workspace = factory.SubFactory(WorkspaceFactory)
    network = "matrix"
    name = factory.Sequence(lambda n: f"#communaute-{n}")
    account_id = factory.Sequence(lambda n: f"!room{n}:localhost")
    credentials_encrypted = factory.LazyFunction(
        lambda: crypto.encrypt({"access_token": "syt_factory_token"})
    )


def api_token_for(membership: Membership, role: str | None = None) -> tuple[ApiToken, str]:
    return do_create_api_token(membership, "test", role or membership.role)

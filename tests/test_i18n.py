"""French first, English on request, and a complete French catalogue."""

from __future__ import annotations

from pathlib import Path

import polib
from django.test import Client
from django.urls import reverse

import comptoir
from comptoir.workspaces.models import Membership

CATALOGUE = Path(comptoir.__file__).parent / "locale" / "fr" / "LC_MESSAGES" / "django.po"


def test_french_is_the_default(db: None) -> None:
    page = Client().get(reverse("accounts:login")).content.decode()
    assert "Connexion à Comptoir" in page
    assert '<html lang="fr">' in page


def test_switch_to_english_and_back(owner: Membership, owner_client: Client) -> None:
    dashboard = reverse("workspaces:dashboard", args=[owner.workspace.slug])
    owner_client.post(reverse("set_language"), {"language": "en", "next": dashboard})
    assert "Your role" in owner_client.get(dashboard).content.decode()
    owner_client.post(reverse("set_language"), {"language": "fr", "next": dashboard})
    assert "Votre rôle" in owner_client.get(dashboard).content.decode()


def test_catalogue_is_complete_and_compiled() -> None:
    source = polib.pofile(str(CATALOGUE))
    assert source.untranslated_entries() == []
    assert source.fuzzy_entries() == []
    compiled = polib.mofile(str(CATALOGUE.with_suffix(".mo")))
    assert {e.msgid: e.msgstr for e in compiled if not e.msgid_plural} == {
        e.msgid: e.msgstr for e in source if not e.msgid_plural and not e.obsolete
    }

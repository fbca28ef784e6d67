"""Saved-reply variables: `{{ first_name }}`, `{{ name }}`, `{{ agent }}` and `{{ brand }}`, filled at use.

Deliberately not the Django template language: a saved reply is text a person sends to the network, so it has
no tags, no filters and no HTML escaping; only these four names, and any other name is an error to show.
"""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.inbox.models import Contact
from comptoir.workspaces.models import Workspace

VARIABLES = ("first_name", "name", "agent", "brand")
_VARIABLE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")


def check_variables(body: str) -> None:
    """Raises a ValidationError naming every variable the text uses that we cannot fill."""
    unknown = sorted({name for name in _VARIABLE.findall(body) if name not in VARIABLES})
    if unknown:
        raise ValidationError(
            _("Unknown variable(s): %(unknown)s. Available: %(available)s.")
            % {
                "unknown": ", ".join(f"{{{{ {name} }}}}" for name in unknown),
                "available": ", ".join(f"{{{{ {name} }}}}" for name in VARIABLES),
            }
        )


def variables_for(contact: Contact | None, agent: User, workspace: Workspace) -> dict[str, str]:
    name = (contact.display_name or contact.handle) if contact else ""
    return {
        "first_name": name.split()[0] if name.split() else "",
        "name": name,
        # The part before the @ rather than a whole address, when the agent has not given a name.
        "agent": agent.full_name.strip() or agent.email.split("@")[0],
        "brand": workspace.name,
    }


def fill_saved_reply(body: str, values: dict[str, str]) -> str:
    check_variables(body)
    return _VARIABLE.sub(lambda match: values[match.group(1)], body)

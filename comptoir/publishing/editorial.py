"""The editorial line: pillars and their share of the posts, and the tone rules a text is checked against."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar
from zoneinfo import ZoneInfo

import regex
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.nlp.language import detect
from comptoir.nlp.normalise import normalise
from comptoir.providers.networks import CAPABILITIES
from comptoir.publishing.models import LinkTracking, Pillar, PostTarget, ToneRules
from comptoir.workspaces import audit
from comptoir.workspaces.models import AuditEntry, Workspace

PILLAR_FIELDS = ["name", "description", "color", "target_share", "position"]
TONE_FIELDS = ["forbidden", "required", "emoji_policy", "emoji_max", "languages"]
TRACKING_FIELDS = ["enabled", "medium", "campaign"]

# Expected languages are checked against this wider set, so that a text in another language is recognised
# as such instead of being forced into the nearest expected one.
CANDIDATE_LANGUAGES = ("fr", "en", "es", "de", "it", "nl", "pt")
EXCERPT_RADIUS = 20

Settings = TypeVar("Settings", ToneRules, LinkTracking)

_GRAPHEME = regex.compile(r"\X")
_EMOJI = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}")


# Tone ------------------------------------------------------------------------------------------------------


class ToneIssue(enum.StrEnum):
    FORBIDDEN = "forbidden"
    MISSING = "missing"
    EMOJI = "emoji"
    LANGUAGE = "language"


@dataclass(frozen=True)
class ToneWarning:
    """One breach of the tone rules: what (`term`), where (`start`/`end` offsets in the text, None when the
    breach is an absence), and a sentence to show."""

    issue: ToneIssue
    term: str
    message: str
    start: int | None = None
    end: int | None = None
    excerpt: str = ""


@dataclass(frozen=True)
class RequiredTerm:
    text: str
    network: str = ""


def lines_of(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def required_terms(rules: ToneRules) -> list[RequiredTerm]:
    """The rules' required mentions, each for every network or, written `network: term`, for one."""
    terms = []
    for line in lines_of(rules.required):
        prefix, colon, rest = line.partition(":")
        if colon and prefix.strip().lower() in CAPABILITIES and rest.strip():
            terms.append(RequiredTerm(rest.strip(), prefix.strip().lower()))
        else:
            terms.append(RequiredTerm(line))
    return terms


def _term_pattern(term: str) -> regex.Pattern[str]:
    # Whole words only: "nul" must not flag "nullement"; case and Unicode case folding do not matter.
    return regex.compile(rf"(?<!\w){regex.escape(term)}(?!\w)", regex.IGNORECASE | regex.FULLCASE)


def _excerpt(text: str, start: int, end: int) -> str:
    before = max(0, start - EXCERPT_RADIUS)
    after = min(len(text), end + EXCERPT_RADIUS)
    return ("…" if before else "") + text[before:after] + ("…" if after < len(text) else "")


def count_emoji(text: str) -> int:
    """Emoji as a reader sees them: a family or a flag made of several code points counts once."""
    return sum(1 for grapheme in _GRAPHEME.findall(text) if _EMOJI.search(grapheme))


def check_tone(text: str, rules: ToneRules, network: str) -> list[ToneWarning]:
    """The tone rules `text` breaks on `network`, in the order a reader meets them. Warnings, not errors:
    the team decides."""
    warnings: list[ToneWarning] = []
    for term in lines_of(rules.forbidden):
        for match in _term_pattern(term).finditer(text):
            warnings.append(
                ToneWarning(
                    ToneIssue.FORBIDDEN,
                    match.group(0),
                    _("“%(term)s” is on the list of words to avoid.") % {"term": match.group(0)},
                    match.start(),
                    match.end(),
                    _excerpt(text, match.start(), match.end()),
                )
            )
    warnings.sort(key=lambda warning: warning.start or 0)
    for required in required_terms(rules):
        if required.network in ("", network) and not _term_pattern(required.text).search(text):
            warnings.append(
                ToneWarning(
                    ToneIssue.MISSING,
                    required.text,
                    _("The editorial line asks for “%(term)s” in every post.") % {"term": required.text}
                    if not required.network
                    else _("The editorial line asks for “%(term)s” on %(network)s.")
                    % {"term": required.text, "network": CAPABILITIES[required.network].label},
                )
            )
    warnings += _emoji_warnings(text, rules)
    warnings += _language_warnings(text, rules)
    return warnings


def _emoji_warnings(text: str, rules: ToneRules) -> list[ToneWarning]:
    if rules.emoji_policy == ToneRules.EmojiPolicy.FREE:
        return []
    allowed = 0 if rules.emoji_policy == ToneRules.EmojiPolicy.NONE else rules.emoji_max
    count = count_emoji(text)
    if count <= allowed:
        return []
    message = (
        _("The editorial line asks for no emoji; this text has %(count)d.") % {"count": count}
        if allowed == 0
        else _("The editorial line allows %(allowed)d emoji at most; this text has %(count)d.")
        % {"allowed": allowed, "count": count}
    )
    return [ToneWarning(ToneIssue.EMOJI, str(count), message)]


def _language_warnings(text: str, rules: ToneRules) -> list[ToneWarning]:
    expected = [code for code in rules.languages if code]
    if not expected or not text.strip():
        return []
    candidates = sorted(set(CANDIDATE_LANGUAGES) | set(expected))
    detection = detect([normalise(text)], candidates)[0]
    # A text too short to tell is given the benefit of the doubt.
    if detection.confidence == 0 or detection.language in expected:
        return []
    return [
        ToneWarning(
            ToneIssue.LANGUAGE,
            detection.language,
            _("This text looks written in “%(found)s”; the editorial line expects %(expected)s.")
            % {"found": detection.language, "expected": ", ".join(expected)},
        )
    ]


def tone_rules_of(workspace: Workspace) -> ToneRules:
    """The workspace's rules, or empty (unsaved) ones that find nothing."""
    return ToneRules.objects.filter(workspace=workspace).first() or ToneRules(workspace=workspace)


def link_tracking_of(workspace: Workspace) -> LinkTracking:
    return LinkTracking.objects.filter(workspace=workspace).first() or LinkTracking(workspace=workspace)


# Pillars ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PillarShare:
    """How many posts of a period went to a pillar (`pillar` None: posts without one) against its target."""

    pillar: Pillar | None
    planned: int
    published: int
    share: float
    target_share: int

    @property
    def total(self) -> int:
        return self.planned + self.published

    @property
    def gap(self) -> float:
        """Points above (positive) or below the target share."""
        return self.share - self.target_share


def month_bounds(zone: ZoneInfo, moment: datetime) -> tuple[datetime, datetime]:
    """The month holding `moment` on the clocks of `zone`, as UTC instants [start, end)."""
    local = moment.astimezone(zone)
    start = local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (start.replace(tzinfo=None) + timedelta(days=32)).replace(day=1)
    return start.astimezone(UTC), following.replace(tzinfo=zone).astimezone(UTC)


# Posts that will not appear in the period do not count: failed and missed targets never went out.
NOT_COUNTED = {PostTarget.State.FAILED, PostTarget.State.MISSED}


def pillar_mix(workspace: Workspace, start: datetime, end: datetime) -> list[PillarShare]:
    """Per pillar, the posts planned or published in [start, end) and their share of all of them, against
    the pillar's target share. A post counts once: published if any of its targets went out in the period,
    else planned. Posts without a pillar come last, when there are some."""
    in_period = Q(published_at__gte=start, published_at__lt=end) | Q(
        published_at__isnull=True, due_at__gte=start, due_at__lt=end
    )
    targets = (
        PostTarget.objects.filter(in_period, post__workspace=workspace)
        .exclude(state__in=NOT_COUNTED)
        .values_list("post_id", "post__pillar_id", "state")
    )
    pillar_of: dict[int, int | None] = {}
    published: set[int] = set()
    for post_id, pillar_id, state in targets:
        pillar_of[post_id] = pillar_id
        if state == PostTarget.State.PUBLISHED:
            published.add(post_id)
    total = len(pillar_of)
    rows = []
    pillars: list[Pillar | None] = [*Pillar.objects.filter(workspace=workspace)]
    if None in pillar_of.values():
        pillars.append(None)
    for pillar in pillars:
        key = pillar.pk if pillar is not None else None
        posts = [post_id for post_id, pillar_id in pillar_of.items() if pillar_id == key]
        done = sum(1 for post_id in posts if post_id in published)
        rows.append(
            PillarShare(
                pillar=pillar,
                planned=len(posts) - done,
                published=done,
                share=round(100 * len(posts) / total, 1) if total else 0.0,
                target_share=pillar.target_share if pillar is not None else 0,
            )
        )
    return rows


def check_shares(workspace: Workspace, pillar: Pillar) -> None:
    others = (
        Pillar.objects.filter(workspace=workspace)
        .exclude(pk=pillar.pk)
        .aggregate(total=Sum("target_share"))["total"]
        or 0
    )
    if others + pillar.target_share > 100:
        raise ValidationError(
            {
                "target_share": _(
                    "The other pillars already take %(others)d %%: this one can aim at %(left)d %% at most, "
                    "so that the shares add up to 100 %% or less."
                )
                % {"others": others, "left": 100 - others}
            }
        )


@transaction.atomic
def do_save_pillar(workspace: Workspace, actor: User, pillar: Pillar) -> Pillar:
    """Creates or updates a pillar, refusing target shares that would add up to more than 100 %."""
    if pillar.workspace_id != workspace.pk:
        raise ValidationError(_("This pillar belongs to another workspace."))
    before = (
        audit.snapshot(Pillar.objects.get(pk=pillar.pk), PILLAR_FIELDS) if pillar.pk is not None else None
    )
    check_shares(workspace, pillar)
    pillar.full_clean()
    pillar.save()
    if before is None:
        audit.record_create(workspace, actor, pillar, PILLAR_FIELDS)
    else:
        changes = audit.changed(before, audit.snapshot(pillar, PILLAR_FIELDS))
        audit.record(workspace, actor, AuditEntry.Action.UPDATE, pillar, changes)
    return pillar


@transaction.atomic
def do_delete_pillar(workspace: Workspace, actor: User, pillar: Pillar) -> None:
    """Deletes a pillar; its posts stay, without a pillar."""
    if pillar.workspace_id != workspace.pk:
        raise ValidationError(_("This pillar belongs to another workspace."))
    audit.record(workspace, actor, AuditEntry.Action.DELETE, pillar)
    pillar.delete()


@transaction.atomic
def do_update_tone_rules(workspace: Workspace, actor: User, rules: ToneRules) -> ToneRules:
    return _save_settings(workspace, actor, rules, TONE_FIELDS)


@transaction.atomic
def do_update_link_tracking(workspace: Workspace, actor: User, tracking: LinkTracking) -> LinkTracking:
    return _save_settings(workspace, actor, tracking, TRACKING_FIELDS)


def _save_settings(workspace: Workspace, actor: User, settings: Settings, fields: Iterable[str]) -> Settings:
    if settings.workspace_id != workspace.pk:
        raise ValidationError(_("These settings belong to another workspace."))
    names = list(fields)
    stored = type(settings).objects.filter(workspace=workspace).first()
    before = audit.snapshot(stored, names) if stored is not None else {}
    if stored is not None:
        settings.pk = stored.pk
    settings.full_clean()
    settings.save()
    audit.record(
        workspace,
        actor,
        AuditEntry.Action.UPDATE if stored is not None else AuditEntry.Action.CREATE,
        settings,
        audit.changed(before, audit.snapshot(settings, names)),
    )
    return settings

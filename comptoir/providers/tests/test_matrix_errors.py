"""How the Matrix provider types a homeserver's error answers (spec: client-server API, "Rate limiting")."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from nio import ErrorResponse

from comptoir.providers.base import RetryableError
from comptoir.providers.matrix import _checked


@dataclass
class Answer:
    """The two things of aiohttp's response that the provider reads."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)


def limited(retry_after_ms: int | None, headers: dict[str, str]) -> ErrorResponse:
    response = ErrorResponse("Too Many Requests", "M_LIMIT_EXCEEDED", retry_after_ms)
    response.transport_response = Answer(429, headers)  # type: ignore[assignment]
    return response


@pytest.mark.parametrize(
    ("retry_after_ms", "headers", "expected"),
    [
        (2000, {}, 2.0),  # the body's retry_after_ms (deprecated since Matrix 1.10)
        (None, {"Retry-After": "7"}, 7.0),  # the header, which servers send since 1.10
        (1500, {"Retry-After": "7"}, 1.5),
        (None, {}, None),
    ],
)
def test_rate_limits_say_when_to_retry(
    retry_after_ms: int | None, headers: dict[str, str], expected: float | None
) -> None:
    with pytest.raises(RetryableError) as caught:
        _checked(limited(retry_after_ms, headers))
    assert (caught.value.status, caught.value.retry_after) == (429, expected)

"""API errors are JSON with a message, never an HTML page."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from comptoir.testing.factories import api_token_for
from comptoir.workspaces.models import Membership


@pytest.fixture
def api(owner: Membership) -> Client:
    return Client(headers={"Authorization": f"Bearer {api_token_for(owner)[1]}"})


def test_openapi_schema_is_public_and_lists_routes(db: None) -> None:
    schema = Client().get("/api/openapi.json").json()
    assert "/api/members/{member_id}" in schema["paths"]


def test_missing_token(db: None) -> None:
    response = Client().get("/api/members")
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/json")


def test_validation_error_names_the_field(api: Client) -> None:
    response = api.post(
        "/api/invitations", json.dumps({"email": "x", "role": "king"}), content_type="application/json"
    )
    assert response.status_code == 422
    assert "role" in response.content.decode()


def test_business_rule_error_is_a_message(api: Client) -> None:
    response = api.patch(
        "/api/workspace", json.dumps({"time_zone": "Mars/Olympus"}), content_type="application/json"
    )
    assert response.status_code == 422
    assert "Mars/Olympus" in response.json()["detail"]


def test_malformed_json(api: Client) -> None:
    response = api.patch("/api/workspace", "{not json", content_type="application/json")
    assert response.status_code in (400, 422)
    assert response["Content-Type"].startswith("application/json")


def test_unknown_member(api: Client) -> None:
    response = api.get("/api/members/999999999999999999999")
    assert response.status_code in (404, 422)
    assert response.json()["detail"]


def test_unexpected_error_is_json(api: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def explode(*args: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("comptoir.workspaces.queries.members_of", explode)
    response = api.get("/api/members")
    assert response.status_code == 500
    assert response.json() == {"detail": "Internal error; it has been logged."}


def test_invite_through_the_api(api: Client, owner: Membership) -> None:
    response = api.post(
        "/api/invitations",
        json.dumps({"email": "api@example.test", "role": "editor"}),
        content_type="application/json",
    )
    assert response.status_code == 201
    assert response.json()["email"] == "api@example.test"
    listed = api.get("/api/invitations").json()
    assert [i["email"] for i in listed] == ["api@example.test"]

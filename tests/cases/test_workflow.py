"""The workflow table (cases/workflow.py) is the one declaration of every case action: the model's
transitions, the pages, both APIs and the docs agree with it."""

from pathlib import Path

import pytest
from django.urls import get_resolver

from cases.models import Case, CaseState
from cases.workflow import ACTIONS, Place, actions_at, actions_markdown

ROOT = Path(__file__).resolve().parents[2]


def _transitions() -> set[str]:
    return {name for name in dir(Case) if hasattr(getattr(Case, name, None), "_django_fsm")}


def test_every_transition_has_a_row_and_every_row_names_a_transition():
    assert _transitions() == set(ACTIONS)


def test_a_transitions_permission_is_its_rows():
    for name in _transitions():
        meta = getattr(Case, name)._django_fsm
        for transition in meta.transitions.values():
            assert transition.permission.codenames == ACTIONS[name].permissions, name


def test_every_offered_action_has_a_form_and_a_service():
    for row in ACTIONS.values():
        assert callable(row.run), row.name
        if row.places:
            assert row.form and row.form_class, row.name


def test_system_steps_are_offered_nowhere():
    assert {row.name for row in ACTIONS.values() if not row.places} == {"submit", "skip_review"}


def test_irreversible_actions_ask_first():
    asking = {row.name for row in ACTIONS.values() if row.confirm}
    assert asking == {"reject", "close", "withdraw", "cancel", "misuse_stop"}


def test_the_provider_api_offers_exactly_the_rows_marked_for_it():
    resolver = get_resolver()
    provider_urls = {
        str(pattern.pattern).rsplit("/", 1)[-1]
        for pattern in resolver.url_patterns
        if str(pattern.pattern).startswith("api/v1/provider/")
        for pattern in pattern.url_patterns
        if str(pattern.pattern).startswith("cases/<str:number>/")
    }
    paths = {row.provider_path for row in actions_at(Place.PROVIDER_API)}
    assert paths <= provider_urls
    assert provider_urls - paths == {"<int:document_id>"}


def test_the_case_actions_document_is_generated_from_the_table():
    assert (ROOT / "docs" / "case-actions.md").read_text(encoding="utf-8") == actions_markdown()


@pytest.mark.django_db
def test_the_staff_api_refuses_an_action_the_table_does_not_offer_there(api_client, django_user_model):
    from tests.factories.cases import CaseFactory, role_user

    case = CaseFactory(state=CaseState.SUBMITTED)
    api_client.force_authenticate(role_user("reviewer"))

    response = api_client.post(f"/api/v1/cases/{case.number}/actions/skip_review", {}, format="json")

    assert response.status_code == 404
    assert "skip_review" in response.json()["action"][0]


@pytest.mark.django_db
def test_the_staff_api_describes_the_actions_of_the_table(api_client):
    from django.contrib.auth import get_user_model

    api_client.force_authenticate(get_user_model().objects.create_superuser("schema-reader"))
    schema = api_client.get("/api/schema/", {"format": "json"}).json()
    operation = schema["paths"]["/api/v1/cases/{number}/actions/{action}"]["post"]

    for row in actions_at(Place.STAFF_API):
        assert f"{row.name}（{row.label}）" in operation["description"]

from pathlib import Path

from django_fsm.management.commands.graph_transitions import all_fsm_fields_data, generate_dot

from cases.models import Case

DOT = Path(__file__).resolve().parents[2] / "docs" / "case-states.dot"


def test_committed_state_diagram_matches_the_model():
    generated = str(generate_dot(all_fsm_fields_data(Case)))

    # The command collects nodes and edges in sets, so only the lines, not their order, are stable.
    committed = sorted(DOT.read_text(encoding="utf-8").strip().splitlines())
    assert committed == sorted(generated.strip().splitlines()), (
        "regenerate: python manage.py graph_transitions cases.Case > docs/case-states.dot (see docs/case-states.md)"
    )

"""Checking a run's log lines for the demo's identifiers (demo/people.py)."""

from pathlib import Path

from demo.people import demo_identifiers


def identifier_hits(text: str) -> list[str]:
    """The kinds and masked tails of demo identifiers found in ``text`` (never the identifier itself)."""
    hits = []
    for kind, values in demo_identifiers().items():
        for value in sorted(values):
            if value in text:
                hits.append(f"{kind} …{value[-4:]}")
    return hits


def log_file_hits(path: Path) -> list[str]:
    hits = []
    with path.open(encoding="utf-8", errors="replace") as lines:
        for number, line in enumerate(lines, start=1):
            hits += [f"{path.name}:{number}: {hit}" for hit in identifier_hits(line)]
    return hits

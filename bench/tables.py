"""Markdown tables of benchmark figures, from the JSON files ``bench/run.py --json`` writes.

.venv/bin/python bench/tables.py var/bench/lanben_bench.json              # one run
.venv/bin/python bench/tables.py var/bench/lanben_bench_100k.json var/bench/lanben_bench.json  # growth
.venv/bin/python bench/tables.py --peers var/bench/lanben_bench.json      # project beside the peers
"""

import json
import sys


def _number(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value:,.2f}"
    if unit == "ops/s":
        return f"{value:,.0f}"
    return f"{value:,.1f}"


def figures_table(run: dict) -> str:
    rows = [
        "| figure | median | p95 | unit | queries (max) | load | target | verdict | note |",
        "| --- | ---: | ---: | --- | ---: | ---: | --- | --- | --- |",
    ]
    for f in run["figures"]:
        verdict = "PASS" if f["ok"] else ("**MISS**" if f["target"] else "")
        queries = "" if f["queries"] is None else f["queries"]
        rows.append(
            f"| {f['name']} | {_number(f['median'], f['unit'])} | {_number(f['p95'], f['unit'])} | {f['unit']} "
            f"| {queries} | {_load(f)} | {f['target']} | {verdict} | {f['note']} |"
        )
    return "\n".join(rows)


def _load(figure: dict) -> str:
    return "" if figure.get("load") is None else f"{figure['load']:.1f}"


def peers_table(run: dict) -> str:
    """Each project figure beside the peers' figures for the same question, measured in the same rounds."""
    rows = [
        "| figure | project | peer | peer's figure | project ÷ peer | load |",
        "| --- | ---: | --- | ---: | ---: | ---: |",
    ]
    project = None
    for f in run["figures"]:
        if not f["name"].startswith("  peer"):
            if not f["name"].startswith("floor"):  # the floor is a yardstick, not the project's figure
                project = f
            continue
        if project is None:
            continue
        peer, _, label = f["name"].strip().removeprefix("peer, ").partition(": ")
        if f["unit"] == "ms" and "requests_per_second" in f["extra"]:
            mine, theirs = project["extra"]["requests_per_second"], f["extra"]["requests_per_second"]
            cells = (
                f"{mine:,.0f} req/s, p95 {project['p95']:,.0f} ms",
                f"{theirs:,.0f} req/s, p95 {f['p95']:,.0f} ms",
                f"{mine / theirs:.2f}×",
            )
        else:
            cells = (
                f"{project['median']:,.0f} ms, {project['queries']} q",
                f"{f['median']:,.0f} ms, {f['queries']} q",
                f"{project['median'] / f['median']:.2f}",
            )
        rows.append(f"| {label} | {cells[0]} | {peer} | {cells[1]} | {cells[2]} | {_load(f)} |")
    return "\n".join(rows)


def _queries(figure: dict) -> str:
    return "–" if figure["queries"] is None else str(figure["queries"])


def growth_table(small: dict, large: dict) -> str:
    rows = [
        "| figure | median, small | median, large | SQL, small | SQL, large | queries |",
        "| --- | ---: | ---: | ---: | ---: | --- |",
    ]
    by_name = {f["name"]: f for f in small["figures"]}
    for f in large["figures"]:
        s = by_name.get(f["name"])
        if s is None:
            continue
        sql = [x.get("extra", {}).get("sql_ms_median") for x in (s, f)]
        sql_cells = [f"{v:g} ms" if v is not None else "" for v in sql]
        unit = f["unit"]
        rows.append(
            f"| {f['name']} | {_number(s['median'], unit)} {unit} | {_number(f['median'], unit)} {unit} "
            f"| {sql_cells[0]} | {sql_cells[1]} | {_queries(s)} → {_queries(f)} |"
        )
    return "\n".join(rows)


def main() -> int:
    if sys.argv[1:2] == ["--peers"]:
        with open(sys.argv[2], encoding="utf-8") as file:
            print(peers_table(json.load(file)))
        return 0
    runs = []
    for path in sys.argv[1:]:
        with open(path, encoding="utf-8") as file:
            runs.append(json.load(file))
    if len(runs) == 1:
        print(f"machine: {json.dumps(runs[0]['machine'], ensure_ascii=False)}\n")
        print(figures_table(runs[0]))
    elif len(runs) == 2:
        print(growth_table(*runs))
    else:
        print(__doc__)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

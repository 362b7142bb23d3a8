"""Every benchmark of issue 8, one table: `.venv/bin/python bench/run.py` (what `make bench` should run).

Each section runs in its own interpreter, so that one's heap (moto holding 10,000 items, say) or
imports cannot colour another's timings: cold start first, on a quiet machine, then the renderer
(figures 1, 2, 5), the admin API's writes (6), and freshness through the local stack (3). The cost
model (7) is computed from their measurements. Prints the table, the notes behind it and the cost
arithmetic, and writes everything to bench/results/bench.json. About 4 minutes on 2 cores.
"""

import json
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import cost_model
from harness import PYTHON, RESULTS, Section, footnotes, table

SECTIONS = ("cold_start", "render_cost", "write_overhead", "freshness")
ORDER = ("1", "2", "3", "4", "5", "6", "7")


def run_section(module: str) -> Section:
    started = time.perf_counter()
    print(f"running bench/{module}.py ...", file=sys.stderr, flush=True)
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "section.json"
        script = Path(__file__).parent / f"{module}.py"
        subprocess.run([PYTHON, str(script), "--json", str(output)], check=True)
        section = Section.from_json(json.loads(output.read_text()))
    print(f"  {module} took {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    return section


def main() -> int:
    started = time.perf_counter()
    sections = {section.name: section for section in map(run_section, SECTIONS)}
    cost, lines = cost_model.build(sections)
    sections[cost.name] = cost
    rows = sorted(
        (row for section in sections.values() for row in section.rows),
        key=lambda row: ORDER.index(row.section),
    )
    notes = [note for section in sections.values() for note in section.notes]
    elapsed = time.perf_counter() - started

    print()
    print(table(rows))
    print()
    print(footnotes(rows, notes))
    print()
    print(cost_model.arithmetic(lines))
    met = sum(row.met is True for row in rows)
    missed = [row for row in rows if row.met is False]
    print()
    print(f"{met} targets met, {len(missed)} missed; bench took {elapsed:.0f} s")

    RESULTS.mkdir(parents=True, exist_ok=True)
    document = {
        "generated_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "seconds": elapsed,
        "environment": {"python": platform.python_version(), "machine": platform.machine(), "cpus": _cpus()},
        "rows": [row.__dict__ for row in rows],
        "notes": notes,
        "sections": {name: section.to_json() for name, section in sections.items()},
    }
    (RESULTS / "bench.json").write_text(json.dumps(document, indent=2, default=str) + "\n")
    print(f"wrote {RESULTS / 'bench.json'}")
    return 0


def _cpus() -> int | None:
    import os

    return os.cpu_count()


if __name__ == "__main__":
    sys.exit(main())

"""A treatment plan's content: one JSON value (encrypted in TreatmentPlan.content).

    {"problems": [{"problem": str, "goal": str, "interventions": str,
                   "objectives": [{"objective": str, "target_date": "YYYY-MM-DD"}]}]}

Signing covers the canonical bytes of the content, the review date, the client and the
version, so the stored SHA-256 says exactly what was locked."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date


@dataclass
class Objective:
    objective: str
    target_date: date


@dataclass
class Problem:
    problem: str
    goal: str
    interventions: str
    objectives: list[Objective] = field(default_factory=list)


def dump(problems: list[Problem]) -> str:
    return json.dumps(
        {
            "problems": [
                {
                    "problem": p.problem,
                    "goal": p.goal,
                    "interventions": p.interventions,
                    "objectives": [
                        {"objective": o.objective, "target_date": o.target_date.isoformat()} for o in p.objectives
                    ],
                }
                for p in problems
            ]
        },
        ensure_ascii=False,
        sort_keys=True,
    )


def load(content: str) -> list[Problem]:
    data = json.loads(content) if content else {"problems": []}
    return [
        Problem(
            problem=p.get("problem", ""),
            goal=p.get("goal", ""),
            interventions=p.get("interventions", ""),
            objectives=[
                Objective(objective=o["objective"], target_date=date.fromisoformat(o["target_date"]))
                for o in p.get("objectives", [])
            ],
        )
        for p in data.get("problems", [])
    ]


def content_sha256(plan) -> str:
    """What a signature covers: everything clinical about this version."""
    canonical = json.dumps(
        {
            "client": plan.client.record_number,
            "version": plan.version,
            "review_date": plan.review_date.isoformat(),
            "content": json.loads(plan.content),
        },
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    ).encode("utf-8")
    return hashlib.sha256(canonical).hexdigest()

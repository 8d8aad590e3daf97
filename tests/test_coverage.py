"""Every objective sentence of seed 000 and every participant commitment of seed 004 has a worksheet."""
from __future__ import annotations

import pytest
from helpers import ROOT

from llc_exercises.core import definitions as defs
from llc_exercises.facilitator.coverage import coverage_markdown

# The six session descriptions of seed 000, sentence by sentence.
SEED_000 = {
    "visioning": [
        "Build a foundation by analyzing core beliefs about what you do and why you do it.",
        "Begin a strategic plan for the future of the school library program",
        "consider ways to communicate that plan and its progress",
    ],
    "relationships": [
        "Examine the status of current stakeholder relationships and evaluate relationship needs.",
        "Devise a plan to reach and engage with stakeholders and reinforce existing relationships.",
    ],
    "coaching": [
        "Build and practice coaching skills to strengthen interpersonal connections.",
        "Examine purpose and intent of messages with empathy and openness to varied points of view.",
    ],
    "influence": [
        "Draft goals in alignment with district/school and library program plans.",
        "Examine, design, and develop methods to measure the library program's impact on student growth.",
        "Devise a plan to effectively communicate results and observations to all stakeholders.",
    ],
    "promotion": [
        "Design and develop a marketing plan to build awareness of library activities and programs.",
        "Collect data and evidence of outreach results.",
        "Build an advocacy platform.",
    ],
    "opportunity": [
        "Compile a plan for next school year identifying areas of intended transformation.",
        "Identify and plan professional development.",
        "Establish methods for ongoing analysis of the value added to student learning by the library program.",
    ],
}
# Seed 004: what ALL PARTICIPANTS commit to (distinctive phrases).
SEED_004 = ["growth implementation plan", "4 cohort meetings", "8 hours", "Collect and share data",
            "social media", "visual, multimedia or narrative representation"]


def _norm(text: str) -> str:
    return " ".join(text.lower().replace("’", "'").split())


@pytest.mark.parametrize("sid", SEED_000)
def test_every_objective_sentence_has_a_worksheet(sid):
    session = defs.session(sid)
    objectives = [(_norm(o.text), o.worksheets) for o in session.objectives]
    for sentence in SEED_000[sid]:
        hits = [ws for text, ws in objectives if _norm(sentence).rstrip(".") in text]
        assert hits, f"{sid}: no objective carries {sentence!r}"
        assert all(hits), f"{sid}: {sentence!r} maps to no worksheet"


@pytest.mark.parametrize("phrase", SEED_004)
def test_every_participant_commitment_has_a_worksheet(phrase):
    hits = [c for s in defs.sessions() for c in s.commitments if _norm(phrase) in _norm(c.text)]
    assert hits and all(c.worksheets for c in hits), f"no commitment mentions {phrase!r}"


def test_docs_coverage_is_current():
    assert (ROOT / "docs" / "coverage.md").read_text(encoding="utf-8") == coverage_markdown(), \
        "docs/coverage.md is out of date: run `llc coverage > docs/coverage.md`"

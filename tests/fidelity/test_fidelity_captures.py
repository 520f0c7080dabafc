"""The fidelity suite: every real capture ikesim's features cover is reproduced (debug lines, or
a show command's output, in order after normalisation) to at least its target share."""

from __future__ import annotations

from pathlib import Path

import pytest

from ikesim.fidelity.captures import CAPTURES, Capture
from ikesim.fidelity.linux_runs import linux_section, measure_linux
from ikesim.fidelity.measure import ROOT, TRACES, measure, real_lines
from ikesim.fidelity.report import guesses, page, table
from ikesim.scenario.loader import load_scenario

COVERED = [c for c in CAPTURES if not c.covered]


@pytest.fixture(scope="module")
def results():
    return {m.capture.key: m for m in measure()}


@pytest.mark.parametrize("capture", COVERED, ids=[c.key for c in COVERED])
def test_capture_reproduced(results, capture: Capture) -> None:
    score = results[capture.key].score
    assert score is not None and score.real > 0
    print(f"{capture.key}: {100 * score.share:.1f} % of {score.real} real lines reproduced")
    assert score.share >= capture.target, "\n".join(score.missing)


def test_the_suite_covers_what_the_issue_names() -> None:
    keys = {c.key for c in COVERED}
    assert {"01", "04", "05", "07", "12", "14", "16-A", "16-B1", "16-B2", "16-B3",
            "16-C"} <= keys


@pytest.mark.parametrize("capture", CAPTURES, ids=[c.key for c in CAPTURES])
def test_every_capture_is_real_output_with_its_lab(capture: Capture) -> None:
    trace = TRACES / capture.trace
    assert "SOURCE-URL:" in trace.read_text()                  # the trace names its source
    if capture.covered:
        return
    assert real_lines(capture), "no real lines selected"
    scenario = load_scenario(ROOT / capture.scenario)
    assert capture.device in scenario.devices


def test_a_capture_is_one_entry(tmp_path: Path) -> None:
    """Adding a capture: one Capture entry (the lab and trace it names)."""
    extra = Capture("01-again", COVERED[0].trace, "the seed's responder, again",
                    COVERED[0].scenario, COVERED[0].device, truncated=True)
    (result,) = measure((extra,))
    assert result.score is not None and result.score.share == 1.0


def test_table_and_page(results) -> None:
    ordered = [results[c.key] for c in CAPTURES]
    text = table(ordered)
    assert "04" in text and "not covered" in text and "all covered captures" in text
    doc = page(ordered)
    assert "| 04 |" in doc and "## Where ikesim guesses" in doc
    found = guesses()
    assert len(found) >= 10 and all(g.text for g in found)
    assert any(g.file.endswith("ios/log/texts.py") for g in found)
    for g in found:
        assert f"`{g.file}:{g.line}`" in doc


def test_docs_page_is_up_to_date(results) -> None:
    doc = page([results[c.key] for c in CAPTURES], extra=linux_section(measure_linux()))
    assert (ROOT / "docs" / "fidelity.md").read_text() == doc, "run `make fidelity`"

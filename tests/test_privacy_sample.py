"""The guard measured: recall and precision on a labelled sample of practice-note lines.

tests/privacy/sample.tsv was written before the detector, as notes are really written: about half
carry an identifier of one kind (label = the kind), the other half are ordinary notes (label
'clean') with dates, amounts, referral ids, the contacts' phone numbers, patients in general and
doctors' names. A line counts as flagged when the detector finds anything in it. The figures are
published in docs/privacy.md; this test fails if they fall below the issue's bar.
"""

from __future__ import annotations

from pathlib import Path

import yaml

from refsite.privacy import Allowed, find

HERE = Path(__file__).parent / "privacy"


def sample() -> list[tuple[str, str]]:
    rows = []
    for line in (HERE / "sample.tsv").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            label, text = line.split("\t", 1)
            rows.append((label, text))
    return rows


def allowed() -> Allowed:
    context = yaml.safe_load((HERE / "context.yml").read_text(encoding="utf-8"))
    partner = context["partner"]
    contacts = partner["contacts"]
    return Allowed.build(
        phones=[partner.get("phone"), *(c.get("phone") for c in contacts)],
        emails=[partner.get("email"), *(c.get("email") for c in contacts)],
        names=[partner["name"], *(c["name"] for c in contacts), *context["team"]],
        addresses=[partner.get("location")],
    )


def measure() -> dict[str, float | int]:
    context = allowed()
    tp = fp = fn = tn = 0
    for label, text in sample():
        flagged = bool(find(text, context))
        if label == "clean":
            fp += flagged
            tn += not flagged
        else:
            tp += flagged
            fn += not flagged
    return {"tp": tp, "fp": fp, "fn": fn, "tn": tn, "recall": tp / (tp + fn), "precision": tp / (tp + fp)}


def test_the_sample_is_large_and_balanced():
    rows = sample()
    positives = [label for label, _ in rows if label != "clean"]
    assert len(rows) >= 200
    assert 0.4 <= len(positives) / len(rows) <= 0.6
    assert set(positives) == {"dob", "medicare", "ihi", "dva", "ssn", "nhs", "fund", "mrn", "phone", "email",
                              "name", "address"}


def test_recall_and_precision_on_the_sample():
    figures = measure()
    assert figures["recall"] >= 0.95, figures
    assert figures["precision"] >= 0.90, figures


def test_the_figures_are_published():
    figures = measure()
    doc = (Path(__file__).parent.parent / "docs" / "privacy.md").read_text(encoding="utf-8")
    tp, fp, fn = figures["tp"], figures["fp"], figures["fn"]
    assert f"| recall | {tp} of {tp + fn} lines with an identifier flagged ({figures['recall']:.2f}) |" in doc
    assert f"| precision | {tp} of {tp + fp} flagged lines carry an identifier ({figures['precision']:.2f}) |" in doc

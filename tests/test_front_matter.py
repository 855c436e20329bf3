"""The numbers the front matter states are recomputed here."""

import re
from pathlib import Path

import pytest

INTRO = Path(__file__).resolve().parent.parent / "intro.md"
WER = {  # the lecture material's word error rates: previous SOTA, DL 2012, DL 2017
    "TIMIT": (24.4, 20.0, 17.0),
    "Switchboard": (23.6, 16.1, 5.5),
    "Google voice search": (16.0, 12.3, 4.9),
}


def _table_rows():
    rows = {}
    for line in INTRO.read_text().splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 5 and cells[0] in WER:
            rows[cells[0]] = [float(re.sub("%", "", c)) for c in cells[1:]]
    return rows


@pytest.mark.parametrize("task", sorted(WER))
def test_word_error_rate_table(task):
    previous, dl2012, dl2017, reduction = _table_rows()[task]
    assert (previous, dl2012, dl2017) == WER[task]
    assert reduction == pytest.approx(round(100 * (previous - dl2017) / previous, 1), abs=1e-9)

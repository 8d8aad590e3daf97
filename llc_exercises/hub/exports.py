"""The latest answers of everyone, in the layout ``llc build --roster`` reads: ``roster.csv`` and
``answers/<user>.json``. The facilitator's "Download answers (zip)" and every cohort build use it."""
from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Collection, Iterator

from ..core.roster import COLUMNS, csv_safe
from .submissions import SubmissionDB


def export_files(db: SubmissionDB, users: Collection[str] | None = None) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) pairs: ``roster.csv`` and ``answers/<user>.json`` for each participant
    (only those in ``users`` when given: one cohort's export holds no one else's work)."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    for sub, doc in db.latest_documents():
        if users is not None and sub.user not in users:
            continue
        p = doc.get("participant") or {}
        writer.writerow([sub.user, *(csv_safe(str(p.get(k) or "")) for k in COLUMNS[1:])])
        yield f"answers/{sub.user}.json", json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8")
    yield "roster.csv", buf.getvalue().encode("utf-8")


def export_zip(db: SubmissionDB, users: Collection[str] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in export_files(db, users):
            zf.writestr(name, data)
    return out.getvalue()

"""The latest answers of everyone, in the layout ``llc build --roster`` reads: ``roster.csv``,
``answers/<user>.json`` and, for those who were given feedback, ``feedback/<user>.json`` (what
GET api/feedback/<user> answers), so a workbook built from the export prints it. The facilitator's
"Download answers (zip)" and every cohort build use it."""
from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Collection, Iterator, Mapping

from ..core.roster import COLUMNS, csv_safe
from .cohorts import Book
from .feedback import FeedbackDB, feedback_document
from .submissions import SubmissionDB


def export_files(db: SubmissionDB, users: Collection[str] | None = None, feedback: FeedbackDB | None = None,
                 book: Book | None = None, groups: Mapping[str, Collection[str]] | None = None,
                 ) -> Iterator[tuple[str, bytes]]:
    """(name, bytes) pairs: ``roster.csv`` and ``answers/<user>.json`` for each participant
    (only those in ``users`` when given: one cohort's export holds no one else's work), and with
    ``feedback`` a ``feedback/<user>.json`` for each of them who has some. ``book`` and ``groups``
    (hub login → their hub groups) say whose cohort, time zone and facilitators it is."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(COLUMNS)
    for sub, doc in db.latest_documents():
        if users is not None and sub.user not in users:
            continue
        p = doc.get("participant") or {}
        writer.writerow([sub.user, *(csv_safe(str(p.get(k) or "")) for k in COLUMNS[1:])])
        yield f"answers/{sub.user}.json", json.dumps(doc, indent=2, ensure_ascii=False).encode("utf-8")
        if feedback is not None:
            given = feedback_document(sub.user, (groups or {}).get(sub.user, ()), book or Book(), feedback,
                                      db.names)
            if given["feedback"]:
                body = {k: given[k] for k in ("user", "timezone", "feedback")}
                yield f"feedback/{sub.user}.json", json.dumps(body, indent=2, ensure_ascii=False).encode("utf-8")
    yield "roster.csv", buf.getvalue().encode("utf-8")


def export_zip(db: SubmissionDB, users: Collection[str] | None = None, feedback: FeedbackDB | None = None,
               book: Book | None = None, groups: Mapping[str, Collection[str]] | None = None) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in export_files(db, users, feedback, book, groups):
            zf.writestr(name, data)
    return out.getvalue()

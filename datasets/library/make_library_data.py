"""Generate the FICTIONAL sample library data used in the Leading Edge worksheets.

Every number here is invented for practice. The school, "Maple Hollow Middle School
(fictional)", its teachers, students and survey respondents do not exist.

Run from the repository root:

    python datasets/library/make_library_data.py            # rewrite the CSVs next to this file
    python datasets/library/make_library_data.py --out DIR  # write them somewhere else

Only the standard library is used, with fixed seeds and fixed line endings, so running
it twice gives byte-identical files.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
from pathlib import Path

SCHOOL = "Maple Hollow Middle School (fictional)"
FIRST_DAY = dt.date(2025, 8, 13)
LAST_DAY = dt.date(2026, 5, 22)
MONTHS = [(2025, m) for m in range(8, 13)] + [(2026, m) for m in range(1, 6)]

# Days without school; keeps dated rows off holidays and drives monthly seasonality.
BREAKS = [
    (dt.date(2025, 9, 1), dt.date(2025, 9, 1)),  # Labor Day
    (dt.date(2025, 10, 13), dt.date(2025, 10, 13)),  # fall holiday
    (dt.date(2025, 11, 24), dt.date(2025, 11, 28)),  # Thanksgiving week
    (dt.date(2025, 12, 22), dt.date(2026, 1, 2)),  # winter break
    (dt.date(2026, 1, 19), dt.date(2026, 1, 19)),  # MLK Day
    (dt.date(2026, 2, 16), dt.date(2026, 2, 16)),  # Presidents' Day
    (dt.date(2026, 3, 16), dt.date(2026, 3, 20)),  # spring break
    (dt.date(2026, 4, 3), dt.date(2026, 4, 3)),  # Good Friday
]


def school_days() -> list[dt.date]:
    days = []
    d = FIRST_DAY
    while d <= LAST_DAY:
        off = any(a <= d <= b for a, b in BREAKS)
        if d.weekday() < 5 and not off:
            days.append(d)
        d += dt.timedelta(days=1)
    return days


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    # newline="" + lineterminator="\n": identical bytes on every OS.
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)


# --------------------------------------------------------------------------- teachers

CORE = [("ELA", 3), ("Math", 3), ("Science", 2), ("Social Studies", 2), ("Reading", 1)]
ELECTIVES = [  # (subject, grade of the teacher's main / homeroom assignment)
    ("Art", 6), ("Music", 7), ("Music", 8), ("PE", 6), ("PE", 8),
    ("Spanish", 7), ("Technology", 8), ("Special Education", 6), ("Special Education", 7),
]


def make_teachers() -> list[list]:
    rows = []
    for grade in (6, 7, 8):
        for subject, n in CORE:
            rows += [[subject, grade]] * n
    rows += [[s, g] for s, g in ELECTIVES]
    return [[f"T{i:02d}", s, g] for i, (s, g) in enumerate(rows, start=1)]


# ------------------------------------------------------------------ monthly circulation

# Seasonal multipliers on a per-school-day rate: slow start in August, busy autumn,
# a dip for testing in April, and May is short because books are called back early.
SEASON = {8: 0.65, 9: 1.10, 10: 1.15, 11: 1.00, 12: 0.85, 1: 1.00, 2: 1.10, 3: 1.00, 4: 0.85, 5: 0.45}
ENROLLMENT = {8: 642, 9: 648, 10: 646, 11: 645, 12: 641, 1: 644, 2: 639, 3: 637, 4: 636, 5: 633}


def make_monthly(days: list[dt.date]) -> list[list]:
    rng = random.Random(101)
    rows = []
    for year, month in MONTHS:
        n_days = sum(1 for d in days if (d.year, d.month) == (year, month))
        s = SEASON[month]
        jitter = lambda: 1 + rng.uniform(-0.06, 0.06)  # noqa: E731
        checkouts = round(n_days * 138 * s * jitter())
        # E-books are borrowed on break days too, so they use calendar days and get a bump
        # in the months with long breaks.
        cal_days = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.date(year, month, 1)).days
        if month == 8:
            cal_days = 31 - FIRST_DAY.day + 1
        if month == 5:
            cal_days = LAST_DAY.day
        bump = {12: 1.6, 3: 1.35, 11: 1.2}.get(month, 1.0)
        ebooks = round(cal_days * 9.5 * bump * jitter())
        visits = round(n_days * 310 * (0.5 + 0.5 * s) * jitter())
        class_visits = round(n_days * 2.3 * s * jitter())
        rows.append([f"{year}-{month:02d}", checkouts, ebooks, visits, class_visits, ENROLLMENT[month]])
    return rows


# ------------------------------------------------------------------- collaboration log

ACTIVITIES = ["planning", "co-teaching", "library lesson", "resource curation", "PD for teachers"]
ACTIVITY_WEIGHTS = [30, 22, 18, 20, 10]
MINUTES = {  # allowed minute values per activity
    "planning": [15, 20, 30, 30, 45, 60],
    "co-teaching": [50, 50, 50, 100],
    "library lesson": [45, 50, 50],
    "resource curation": [15, 20, 30, 45, 60, 90],
    "PD for teachers": [30, 45, 60, 90],
}
SKILLS = {
    "ELA": ["source evaluation", "MLA citation", "research questions", "book selection", "note-taking"],
    "Reading": ["book selection", "reading stamina", "graphic novels text set", "audiobooks for access"],
    "Math": ["data literacy", "reading graphs", "math in the news"],
    "Science": ["database searching", "source evaluation", "science fair research", "citing images"],
    "Social Studies": ["primary sources", "database searching", "MLA citation", "media literacy"],
    "Art": ["image copyright", "artist research"],
    "Music": ["composer research", "audio sources"],
    "PE": ["health information literacy"],
    "Spanish": ["Spanish-language e-books", "bilingual text set"],
    "Technology": ["digital citizenship", "search strategies", "coding books"],
    "Special Education": ["accessible formats", "audiobooks for access", "book selection"],
}
PD_SKILLS = ["research databases", "e-book platform", "AI and source checking", "copyright basics"]


def make_collaborations(days: list[dt.date], teachers: list[list]) -> list[list]:
    rng = random.Random(202)
    ids = [t[0] for t in teachers]
    # 11 teachers are never reached: a realistic gap for the "share reached" indicator.
    reached = sorted(rng.sample(ids, 31))
    # Skewed weights: a few enthusiastic partners account for most collaborations.
    weight = {t: rng.paretovariate(1.3) for t in reached}
    who = list(reached) + rng.choices(reached, weights=[weight[t] for t in reached], k=150 - len(reached))
    # Fewer collaborations in the first weeks, December and the last month.
    month_w = {8: 0.3, 9: 1.0, 10: 1.2, 11: 1.0, 12: 0.6, 1: 1.0, 2: 1.1, 3: 1.0, 4: 0.9, 5: 0.4}
    day_w = [month_w[d.month] for d in days]
    info = {t[0]: (t[1], t[2]) for t in teachers}
    rows = []
    for t in who:
        subject, grade = info[t]
        day = rng.choices(days, weights=day_w)[0]
        activity = rng.choices(ACTIVITIES, weights=ACTIVITY_WEIGHTS)[0]
        if activity == "co-teaching":
            co = "yes"
        elif activity == "library lesson":  # librarian-led; sometimes the teacher co-teaches
            co = "yes" if rng.random() < 0.4 else "no"
        else:
            co = "no"
        skill = ("PD: " + rng.choice(PD_SKILLS)) if activity == "PD for teachers" else rng.choice(SKILLS[subject])
        rows.append([day.isoformat(), t, subject, grade, activity, co, rng.choice(MINUTES[activity]), skill])
    rows.sort(key=lambda r: (r[0], r[1]))
    return rows


# ------------------------------------------------------------------------ outreach log

def make_outreach(days: list[dt.date]) -> list[list]:
    rng = random.Random(303)

    def day_in(year: int, month: int, lo: int = 1, hi: int = 31) -> dt.date:
        month_days = [d for d in days if (d.year, d.month) == (year, month)]
        # August starts mid-month, so an early-month window can be empty: use any school day.
        pool = [d for d in month_days if lo <= d.day <= hi] or month_days
        return rng.choice(pool)

    rows = []
    for i, (year, month) in enumerate(MONTHS):
        grow = 1 + 0.06 * i  # audiences grow through the year as promotion builds up
        rows.append([day_in(year, month, 1, 10), "Monthly library newsletter", "parents", "newsletter",
                     round(430 * grow * rng.uniform(0.95, 1.05)), rng.randint(4, 12) + 2 * i,
                     "newsletter PDF and open-rate screenshot in shared drive"])
        rows.append([day_in(year, month, 20), "Monthly report to principal", "administrators", "email",
                     rng.choice([3, 3, 4]), rng.randint(0, 2) + (1 if i >= 4 else 0),
                     "email and one-page report saved in shared drive"])
        for topic in rng.sample(["New books", "Student book reviews", "Makerspace project",
                                 "Reading challenge update", "Library by the numbers", "Staff picks"], 2):
            rows.append([day_in(year, month), f"Social media post: {topic}", "parents", "social media",
                         round(rng.randint(180, 320) * grow), round(rng.randint(8, 30) * grow),
                         "analytics screenshot in shared drive"])
        theme = ["Welcome back", "Hispanic Heritage Month", "Spooky reads", "Gratitude reads",
                 "Winter reading challenge", "New year, new genre", "Black History Month",
                 "Women's History Month", "Poetry Month", "Summer reading"][i]
        rows.append([day_in(year, month, 1, 12), f"Display: {theme}", "students", "display",
                     rng.randint(250, 500), rng.randint(25, 70),
                     "photo in shared drive; checkouts from display in circulation report"])

    events = [  # (year, month, activity, audience, channel, reach range, responses range, evidence)
        (2025, 8, "Library orientation for 6th grade", "students", "event", (205, 215), (190, 205), "sign-in sheet and photos in shared drive"),
        (2025, 9, "Faculty meeting: what the library offers", "teachers", "meeting", (40, 42), (6, 11), "slides and sign-up sheet in shared drive"),
        (2025, 9, "Library web page refresh", "students", "website", (300, 420), (20, 45), "page analytics screenshot"),
        (2025, 10, "Fall book fair", "parents", "event", (350, 450), (120, 170), "sales report and photos in shared drive"),
        (2025, 11, "Family literacy night", "parents", "event", (90, 130), (40, 65), "sign-in sheet and feedback cards"),
        (2026, 1, "Teacher e-newsletter: research databases", "teachers", "email", (42, 42), (5, 12), "email and click report saved"),
        (2026, 2, "Author visit (virtual)", "students", "event", (420, 480), (60, 95), "recording link and student exit tickets"),
        (2026, 3, "Public library card sign-up drive", "community", "event", (150, 220), (70, 110), "count from public library partner"),
        (2026, 4, "School board presentation: library impact", "administrators", "meeting", (9, 12), (3, 6), "board minutes and slides"),
        (2026, 4, "National Library Week poster contest", "students", "display", (500, 600), (45, 80), "entries photographed in shared drive"),
        (2026, 5, "Summer reading kickoff", "community", "event", (250, 330), (90, 140), "sign-ups list in shared drive"),
        (2026, 5, "Summer reading page on school website", "parents", "website", (350, 500), (30, 60), "page analytics screenshot"),
    ]
    for year, month, act, aud, ch, reach, resp, ev in events:
        rows.append([day_in(year, month), act, aud, ch, rng.randint(*reach), rng.randint(*resp), ev])
    rows = [[d.isoformat(), *rest] for d, *rest in rows]
    rows.sort(key=lambda r: (r[0], r[1]))
    return rows


# ------------------------------------------------------------------ stakeholder survey

ITEMS = ["library_helps_learning", "staff_approachable", "knows_services", "space_welcoming", "would_recommend"]
ROLES = [("student", 45), ("teacher", 18), ("parent", 12), ("administrator", 5)]
# Typical answer per role and item (1-5). Parents know the services least: a finding
# participants should spot in the Relationships session.
CENTRE = {
    "student": [3.9, 4.3, 3.4, 4.2, 4.0],
    "teacher": [4.3, 4.5, 3.6, 4.1, 4.3],
    "parent": [3.8, 4.0, 2.5, 3.9, 3.8],
    "administrator": [4.2, 4.6, 3.8, 4.4, 4.4],
}
COMMENTS = {
    "student": ["I like the graphic novels", "Need more charging spots", "Quiet corner is great",
                "More manga please", "The librarian helped with my project", "Open before school more days",
                "Makerspace is fun", "Hard to find books on the shelf"],
    "teacher": ["Co-teaching research unit worked well", "Did not know about the databases",
                "Would like help planning earlier", "Great book talks", "Need more copies of class sets"],
    "parent": ["Did not know about e-books", "Newsletter is helpful", "Please share what my child can borrow",
               "Family night was great"],
    "administrator": ["Would like data each quarter", "Strong partner for literacy goals"],
}


def make_survey() -> list[list]:
    rng = random.Random(404)
    roles = [r for r, n in ROLES for _ in range(n)]
    rng.shuffle(roles)
    rows = []
    for i, role in enumerate(roles, start=1):
        answers = []
        for c in CENTRE[role]:
            if rng.random() < 0.04:  # a skipped question, as on real surveys
                answers.append("")
            else:
                answers.append(min(5, max(1, round(rng.gauss(c, 0.8)))))
        comment = rng.choice(COMMENTS[role]) if rng.random() < 0.4 else ""
        rows.append([f"R{i:03d}", role, *answers, comment])
    return rows


# ---------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=f"Write FICTIONAL sample data for {SCHOOL}.")
    p.add_argument("--out", type=Path, default=Path(__file__).resolve().parent,
                   help="folder to write the CSVs into (default: next to this script)")
    out = p.parse_args(argv).out
    out.mkdir(parents=True, exist_ok=True)
    days = school_days()
    teachers = make_teachers()
    write_csv(out / "teachers.csv", ["teacher_id", "subject", "grade"], teachers)
    write_csv(out / "monthly_circulation.csv",
              ["month", "checkouts", "ebook_checkouts", "visits", "class_visits", "enrollment"], make_monthly(days))
    write_csv(out / "collaboration_log.csv",
              ["date", "teacher_id", "subject", "grade", "activity", "co_taught", "minutes", "skills"],
              make_collaborations(days, teachers))
    write_csv(out / "outreach_log.csv",
              ["date", "activity", "audience", "channel", "reach", "responses", "evidence"], make_outreach(days))
    write_csv(out / "stakeholder_survey.csv", ["respondent_id", "role", *ITEMS, "comment"], make_survey())
    print(f"Wrote FICTIONAL data for {SCHOOL} to {out}")


if __name__ == "__main__":
    main()

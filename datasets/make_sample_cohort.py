"""Generate the FICTIONAL sample cohort: a roster and one answers file per participant.

Every person, school and district here is invented. The answers imitate how real participants
fill worksheets (a few do nearly everything, most do part, some stop after a worksheet or two),
so facilitators and tests have something realistic to aggregate, render and export.

Run from the repository root:

    python datasets/make_sample_cohort.py            # rewrite datasets/sample_cohort/
    python datasets/make_sample_cohort.py --out DIR  # write roster.csv, answers/, cohort.yaml and attendance.csv under DIR

The generator walks ``llc_exercises.core.definitions.sessions()``, so it keeps working when sessions are
added: keys with a hand-written pool below get school-librarian answers; any other key gets a
generic but valid answer built from its field type and label. Randomness comes from ``random``
seeded with fixed strings, and every timestamp is derived from those seeds, so running it twice
gives byte-identical files. Regenerate (and commit) after changing any session file.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import math
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # run as a script from anywhere: make the package importable
    sys.path.insert(0, str(ROOT))

from llc_exercises.core import definitions as defs  # noqa: E402
from llc_exercises.core.schema import SCHEMA_VERSION  # noqa: E402

SEED = "leading-edge-sample-cohort-2025"
COHORT = "LLC-2025 (sample)"
DEFAULT_OUT = Path(__file__).resolve().parent / "sample_cohort"

# The 2025-26 school year. Cohort sessions are about five weeks apart from FIRST_SESSION; with many
# sessions the spacing shrinks so the last one still falls before LAST_SESSION.
YEAR_START = dt.date(2025, 8, 11)
YEAR_END = dt.date(2026, 6, 12)
FIRST_SESSION = dt.date(2025, 9, 9)
LAST_SESSION = dt.date(2026, 5, 5)
SESSION_SPACING_DAYS = 35
PLAN_FIRST = dt.date(2025, 8, 18)  # strategic-plan actions start no earlier …
PLAN_LAST = dt.date(2026, 6, 26)  # … and are due no later than this

# --------------------------------------------------------------------------- participants

# (first name, last name, id override, profile pin). Ids default to first initial + last name.
PEOPLE = [
    ("Marigold", "Quillfeather", None, None),
    ("Ezra", "Bookwright", None, None),
    ("Tess", "Markup-Tester (fictional)", "tmarkup", "steady"),
    ("Lyle", "Longhand (fictional)", "llong", "steady"),
    ("Wren", "Inkwhistle", None, None),
    ("Barnaby", "Pagecroft", None, None),
    ("Odessa", "Shelfmark", None, None),
    ("Pip", "Hollowquill", None, None),
    ("Juniper", "Spinewick", None, None),
    ("Cassius", "Foxglove-Reed", None, None),
    ("Hazel", "Dewdrop-Marsh", None, None),
    ("Rufus", "Catalogue", None, None),
    ("Clementine", "Brassbinder", None, None),
    ("Ignatius", "Plumquill", None, None),
    ("Poppy", "Lanternfly", None, None),
    ("Thaddeus", "Mossbottom", None, None),
    ("Saffron", "Wickerleaf", None, None),
    ("Bartholomew", "Dogear", None, None),
    ("Fern", "Gladstoneleaf", None, None),
    ("Augustina", "Vellum", None, None),
    ("Milo", "Starquill", None, None),
    ("Rosalind", "Bindlewick", None, None),
    ("Percival", "Nookworth", None, None),
    ("Delphine", "Cobblequire", None, None),
    ("Otis", "Marginalia", None, None),
    ("Beatrix", "Fablethorn", None, None),
    ("Florian", "Thimblestack", None, None),
    ("Ottoline", "Bramblepage", None, None),
    ("Cornelius", "Snickersnee", None, None),
    ("Lark", "Honeysuckle-Stacks", None, None),
]

DISTRICTS = [
    "Lantern Valley ISD (fictional)",
    "Bramblewood CISD (fictional)",
    "Copper Kettle ISD (fictional)",
    "Owlhollow ISD (fictional)",
    "Fernmoss Springs ISD (fictional)",
    "Sparrowgate CISD (fictional)",
]
PLACES = [
    "Thistle Creek", "Gooseberry Hill", "Willowmere", "Tumbleweed Flats", "Puddleford",
    "Acorn Ridge", "Lamplighter", "Foxtail Meadow", "Bluebonnet Bend", "Cricket Hollow",
    "Saltlick Run", "Button Springs", "Kettle Knob", "Mockingbird Lane", "Quarry Glen",
]
LEVELS = ["Elementary", "Intermediate", "Middle School", "High School"]

# (share of the cohort, worksheets reached as a share of all worksheets, chance each field is filled)
PROFILES = {
    "thorough": (5, (1.0, 1.0), (0.92, 0.99)),
    "steady": (11, (0.7, 1.0), (0.7, 0.9)),
    "partial": (10, (0.4, 0.8), (0.5, 0.75)),
    "early": (4, None, (0.35, 0.65)),  # stops after the first worksheet or two
}


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    school: str
    district: str
    profile: str
    reach: int  # worksheets reached, in series order
    fill: float  # chance a field is filled in a worksheet they work on
    verbosity: int  # 1 terse … 3 chatty: sentences per long answer

    def roster_row(self) -> list[str]:
        return [self.id, self.name, self.school, self.district, COHORT]


def slug(first: str, last: str) -> str:
    return (first[0].lower() + re.sub(r"[^a-z0-9]", "", last.split(" (")[0].lower()))[:64]


def make_people(n_worksheets: int) -> list[Person]:
    rng = random.Random(f"{SEED}:roster")
    unpinned = [p for p in PEOPLE if p[3] is None]
    pinned = {p[3] for p in PEOPLE if p[3]}
    profiles = [name for name, (share, _, _) in PROFILES.items()
                for _ in range(share - sum(1 for p in PEOPLE if p[3] == name))]
    assert len(profiles) == len(unpinned), "profile shares must add up to the cohort size"
    assert pinned <= set(PROFILES)
    rng.shuffle(profiles)
    schools = rng.sample([f"{place} {level} (fictional)" for place in PLACES for level in LEVELS],
                         len(PEOPLE))
    people, it = [], iter(profiles)
    for (first, last, pid, pin), school in zip(PEOPLE, schools):
        profile = pin or next(it)
        prng = random.Random(f"{SEED}:person:{first} {last}")
        _, reach_share, fill_range = PROFILES[profile]
        if reach_share is None:
            reach = prng.choice([1, 1, 2])
        else:
            reach = max(1, round(prng.uniform(*reach_share) * n_worksheets))
        people.append(Person(
            id=pid or slug(first, last),
            name=f"{first} {last}",
            school=school,
            district=DISTRICTS[prng.randrange(len(DISTRICTS))],
            profile=profile,
            reach=min(reach, n_worksheets),
            fill=round(prng.uniform(*fill_range), 3),
            verbosity=prng.choice([1, 2, 2, 3]) if profile != "thorough" else prng.choice([2, 3]),
        ))
    ids = [p.id for p in people]
    assert len(set(ids)) == len(ids), "participant ids must be unique"
    return people


# --------------------------------------------------------------------------- answer pools
# Hand-written, in our own words. Long-text pools are lists of sentences: an answer takes one to
# three of them, in pool order, so answers differ in length and wording.

SENTENCES: dict[str, list[str]] = {
    "visioning.core_beliefs.what_i_do": [
        "I help students find books they actually want to read, one conversation at a time.",
        "I teach students how to ask good questions and how to tell a trustworthy source from a weak one.",
        "I co-plan research units with teachers and teach the information-literacy pieces myself.",
        "I keep the collection current and matched to our curriculum and to the kids we actually have.",
        "I run the program behind the scenes: the budget, the schedule, the volunteers and the aide.",
        "I show teachers the databases and digital tools we pay for so they spend less time searching.",
        "Every class comes through on a fixed rotation, so I see about 600 students a week.",
        "Before school and at lunch the library is a calm place for kids who need one.",
    ],
    "visioning.core_beliefs.why": [
        "I want every student to leave our school thinking of themselves as a reader.",
        "Students are surrounded by information and need someone to teach them how to weigh it.",
        "The library was where I felt I belonged as a kid, and I want that for our students.",
        "A strong library narrows the gap between kids who have books at home and kids who don't.",
        "Teachers are stretched thin, and I can take some of the research teaching off their plates.",
        "Curiosity gets trained out of kids by testing; the library is where it can come back.",
        "I want the difference to be visible: more reading, better research, more confident students.",
    ],
    "visioning.soar_swot.strengths": [
        "Strong relationships with the ELA teachers; two of them already co-plan with me.",
        "A principal who reads our monthly report and asks follow-up questions.",
        "Circulation went up last year after we dropped overdue fines.",
        "A dedicated library aide who runs circulation so I can teach.",
        "Flexible scheduling in grades 3 through 5.",
        "A nonfiction collection we weeded and refreshed last spring.",
        "A student library council that plans displays and events.",
    ],
    "visioning.soar_swot.opportunities": [
        "Social studies is adopting a new research standard this year.",
        "Our public library branch wants to partner on summer reading.",
        "The education foundation opens a grant cycle in the spring.",
        "New teachers this year are asking for help with research projects.",
        "The campus improvement plan has a literacy goal we can attach our work to.",
        "Families asked about e-books at open house, so there is interest to build on.",
    ],
    "visioning.soar_swot.aspirations": [
        "We want to be the first place teachers go when they plan a unit.",
        "We want every student to have a book they chose themselves at all times.",
        "We want the library to be seen as a classroom, not a room.",
        "We want a family reading night that families look forward to every year.",
        "We want to have co-taught a research unit at every grade level.",
    ],
    "visioning.soar_swot.results": [
        "Checkouts per student up 10% by May.",
        "At least one co-taught unit per grade level, documented with student work.",
        "On the spring survey, 80% of students say they can find a book they want.",
        "The collaboration log shows contact with every department each month.",
        "More than 100 people at family reading night.",
    ],
    "visioning.soar_swot.weaknesses": [
        "The fixed schedule leaves almost no time for collaboration.",
        "The fiction collection is old; the average copyright date is around 2006.",
        "I have no aide, so the library closes whenever I teach a class.",
        "Few teachers know which databases we pay for.",
        "We collect no data beyond circulation counts.",
    ],
    "visioning.soar_swot.threats": [
        "Budget cuts could remove the library aide position.",
        "Book challenges in neighboring districts have made teachers cautious.",
        "Testing season closes the library for most of April.",
        "The district is talking about sharing librarians between two campuses.",
        "Classroom libraries bought with other funds compete for the same readers.",
    ],
    "visioning.communication_plan.progress_display": [
        "A one-page dashboard each grading period with checkouts, class visits and one student quote.",
        "A bulletin board by the front office with a thermometer for our reading goal.",
        "Two slides at the start of each faculty meeting.",
        "A short segment on the morning announcements at the end of each semester.",
        "A shared spreadsheet the principal can open any time.",
        "A 'library by the numbers' box in the monthly newsletter.",
    ],
}

# Whole answers: one is picked.
WHOLE: dict[str, list[str]] = {
    # the year-end letter opens "Dear <principal>": fictional principals, marked so
    "opportunity.year_end_summary.principal_name": [
        "Dr. Odessa Fernhollow (fictional)", "Mr. Calvin Brightwater (fictional)",
        "Ms. Juniper Oakhaven (fictional)", "Mrs. Delphine Stonebridge (fictional)",
        "Dr. Marcus Thistledown (fictional)", "Ms. Priya Lanternfield (fictional)",
    ],
    "visioning.mission_vision.vision": [
        "Every student at our school is a confident reader and a careful, curious researcher.",
        "Our library is the heart of the school: a place where every student belongs, explores and creates.",
        "Students leave us knowing how to find, question and use information for the rest of their lives.",
        "Every learner sees themselves in our collection and finds a reason to come back.",
        "A library that is busy all day with readers, makers and good questions.",
        "All of our students move on as independent readers and thoughtful users of information.",
    ],
    "visioning.mission_vision.mission": [
        "The library program partners with teachers and families to teach students to read widely, "
        "think critically and use information ethically, so that every student is ready for what "
        "comes next.",
        "We provide a welcoming space, a current collection and inquiry-based lessons for all "
        "students and staff, so that reading and research become habits rather than assignments.",
        "Through collaboration with teachers, open access to books and technology, and lessons in "
        "information literacy, the library helps every student become a lifelong learner.",
        "Our library supports every student and teacher with resources, instruction and a place to "
        "belong, adding skills and a love of reading that classroom time alone cannot.",
        "The library connects students to books and information, teaches them to judge what they "
        "find, and gives them a safe place to follow their interests.",
    ],
}

# Table pools: rows that belong together.
BELIEFS = [
    ("Every student deserves to see themselves in the collection",
     "Displays and purchases that reflect our students; student requests get ordered"),
    ("Reading for pleasure matters as much as reading for school",
     "Open checkout with no reading-level limits"),
    ("Students should be able to find and judge information on their own",
     "Research lessons with every grade, built around real questions"),
    ("The library is a safe place for every student",
     "Kids come in before school and at lunch just to be here"),
    ("Teachers are my partners, not my customers",
     "I sit in on grade-level planning twice a month"),
    ("Curiosity matters more than right answers",
     "Student questions posted on the wonder wall"),
    ("Access should never depend on a family's income",
     "No fines; e-books and audiobooks available from home"),
    ("Choice builds readers", "Students pick their own books every visit"),
    ("A library should be loud sometimes", "Maker days, book clubs and group tables"),
]

VALUES = [
    ("Access", "Open before and after school; no fines"),
    ("Belonging", "Books and displays that reflect our students"),
    ("Curiosity", "Students' own questions drive research projects"),
    ("Collaboration", "Units co-planned with teachers"),
    ("Joy", "Book tastings, read-alouds and author visits"),
    ("Integrity", "I model citing sources every time"),
    ("Choice", "Students choose their books, no level limits"),
    ("Privacy", "Checkout records are never shared"),
]

# goal -> objectives -> actions (action, owner, measure, typical cost in $, typical length in days)
PLAN = {
    "Grow a school-wide reading culture": {
        "Raise independent checkouts 10% over last year": [
            ("Hold a monthly genre 'book tasting' for each grade", "Librarian",
             "Checkouts per student, monthly report", 150, 240),
            ("Refresh the graphic novel section", "Librarian",
             "Circulation of new titles by May", 1200, 60),
            ("Start a lunch book club for grades 4-5", "Librarian", "Regular attendance", 100, 180),
        ],
        "Put books in students' hands outside the library": [
            ("Set up rotating classroom book bins with three teachers", "Librarian + teachers",
             "Number of bins in rotation", 300, 150),
            ("Plan a summer reading kickoff with the public library", "Librarian",
             "Library cards issued at the kickoff", 0, 45),
        ],
    },
    "Make the library a partner in classroom instruction": {
        "Co-teach at least one research unit per grade level": [
            ("Present the research process at a PLC meeting", "Librarian",
             "Units scheduled by December", 0, 21),
            ("Co-plan the 5th-grade research unit with the ELA team", "Librarian + ELA team",
             "Unit taught; student work samples collected", 0, 60),
        ],
        "Teach source evaluation in every core subject": [
            ("Build a short lesson set on checking sources", "Librarian",
             "Lessons taught per subject", 0, 45),
            ("Ask for ten minutes at a faculty meeting to offer the lessons", "Principal",
             "Teachers who sign up for a lesson", 0, 14),
        ],
    },
    "Update the collection to reflect our students": {
        "Complete a diversity audit of the fiction collection": [
            ("Sample 300 titles and record representation", "Librarian + library aide",
             "Audit summary shared with the principal", 0, 75),
            ("Weed titles with outdated or inaccurate content", "Librarian",
             "Items weeded; average copyright date", 0, 90),
        ],
        "Buy titles that close the gaps the audit finds": [
            ("Survey students on what they want to read", "Student library council",
             "Survey responses (goal: 200)", 0, 30),
            ("Place two targeted book orders", "Librarian", "Titles added from the gap list", 1500, 120),
        ],
    },
    "Tell the library's story to decision makers": {
        "Share program data with the campus each grading period": [
            ("Design a one-page library dashboard", "Librarian",
             "Dashboard sent each grading period", 0, 30),
            ("Present highlights at a campus leadership meeting", "Librarian + Principal",
             "Presentations given", 0, 150),
        ],
        "Invite families into the library": [
            ("Host a family literacy night", "Librarian + PTA", "Families attending", 400, 60),
            ("Post a monthly library update in the campus newsletter", "Librarian",
             "Newsletter items published", 0, 240),
        ],
    },
    "Expand access to digital resources": {
        "Double e-book and database use": [
            ("Teach every class to log in to the e-book platform", "Librarian",
             "Student logins per month", 0, 45),
            ("Put a database QR-code poster in every classroom", "Library aide",
             "Database sessions compared with last year", 60, 21),
            ("Show families the e-book app at open house", "Librarian + Principal",
             "Family accounts created", 0, 7),
        ],
    },
}

# audience -> (messages, likely channels, likely frequencies)
AUDIENCES = {
    "Principal": (["Monthly numbers and one student story", "Progress on our two plan goals",
                   "What the library needs to reach the goals"],
                  ["Meeting", "Report", "Email"], ["Monthly", "Each grading period"]),
    "Teachers": (["What the library can do for your next unit", "New resources for your subject",
                  "Open slots for co-teaching"],
                 ["Email", "Newsletter", "Meeting"], ["Weekly", "Monthly"]),
    "Families": (["How to use the e-book app at home", "What your child is reading and learning",
                  "Family night is coming"],
                 ["Newsletter", "Social media", "Website"], ["Monthly", "Each grading period"]),
    "Students": (["New books and what's happening this week", "Book club sign-ups are open"],
                 ["Display", "Social media"], ["Weekly", "Monthly"]),
    "Campus leadership team": (["Progress on the plan and what's next"],
                               ["Report", "Meeting"], ["Each grading period", "Twice a year"]),
    "District library coordinator": (["Program data and requests for support"],
                                     ["Report", "Email"], ["Twice a year", "Yearly"]),
    "PTA": (["How volunteers and donations help readers"], ["Meeting", "Newsletter"],
            ["Each grading period", "Twice a year"]),
    "School board": (["What a strong library program adds to the district"],
                     ["Report", "Meeting"], ["Yearly"]),
}

# Fixed answers for the two participants who exist to exercise escaping and long-text layout.
TRICKY_WHY = ("I believe <script>alert('x')</script> & <b>bold</b> claims need evidence; costs like $5 "
              "and 100% of {students} matter_most #1 \\section ~tilde^")
TRICKY_VISION = "Every reader 📚✨ finds a home — مكتبة للجميع — ספרייה לכולם"
LONG_WHAT_I_DO = "\n\n".join([
    "On paper I am the librarian for a campus of about 700 students, but the job does not fit on "
    "paper. Most mornings start before the first bell, with a handful of students who come in "
    "because the library is warm, quiet and nobody asks them to be anything. I check in returns, "
    "fix the printer, answer a teacher's email about a database password, and then the first class "
    "arrives. By lunch I have usually taught three lessons, recommended a dozen books, and "
    "rescheduled at least one thing I meant to do that day.",
    "The teaching is the part people see least. With younger students it is mostly about choosing "
    "books well: reading the first page, checking whether a book is too easy or too hard, and "
    "giving themselves permission to abandon a book they do not like. With older students it "
    "shifts toward research. I teach them to turn a topic into a question, to search with better "
    "keywords than the first ones that come to mind, and to ask who made a source and why before "
    "they trust it. I try to do this inside their real assignments rather than as separate library "
    "lessons, because skills taught out of context rarely stick.",
    "Working with teachers is the piece I most want to grow. When a teacher brings me into a unit "
    "early, we can design the research task together, and I can pull resources at the right "
    "reading levels before students need them. When I only hear about a project the day before it "
    "is due, all I can do is help students find something fast. This year I am trying to get into "
    "grade-level planning meetings regularly, even for ten minutes, so that I hear about units "
    "while there is still time to shape them.",
    "Then there is the collection itself. I read reviews, listen to what students ask for, and try "
    "to buy books that reflect the families in our community as well as the curriculum. I weed "
    "steadily, because an old, crowded shelf hides the good books as well as the bad ones. I also "
    "manage our e-book platform and databases, which means a lot of small troubleshooting and a "
    "lot of reminding people that these resources exist.",
    "Some of the most important work does not fit any category. A student who has just moved here "
    "and speaks little English finds picture books and graphic novels in her first language. A boy "
    "who says he hates reading leaves with a book about sharks because we talked about sharks for "
    "five minutes. A new teacher learns where the science kits are and that she can ask for help. "
    "None of this shows up in a report, and all of it is why the library matters to our campus.",
    "Finally, I run the program like a small department: a budget, a schedule, volunteers, an aide "
    "who shares the work, and reports that explain to the principal what the library contributes. "
    "That last part has been the weakest. I do a great deal, but I have not been good at showing "
    "it, and I think that is exactly what this cohort can help me change.",
])
OVERRIDES: dict[str, dict[str, object]] = {
    "tmarkup": {"visioning.core_beliefs.why": TRICKY_WHY, "visioning.mission_vision.vision": TRICKY_VISION},
    "llong": {"visioning.core_beliefs.what_i_do": LONG_WHAT_I_DO},
}

# ------------------------------------------------------------------- generic fallback pools
# For keys without a pool (sessions added later). The field label picks a pool by keyword, so a
# field labelled "Audience" gets people, "How often" gets a frequency, and so on.

GENERIC_SHORT = [
    (("who", "owner", "audience", "partner", "person", "stakeholder", "responsib"),
     ["Librarian", "Principal", "Instructional coach", "Grade 4 team", "ELA department",
      "Library aide", "PTA volunteers", "Student library council", "Campus technology lead"]),
    (("when", "often", "frequency", "timeline", "time"),
     ["Every Monday", "Once a month", "Each grading period", "Before winter break",
      "At the start of the spring semester", "Twice a year"]),
    (("measure", "evidence", "success", "indicator", "data", "result"),
     ["Monthly checkout counts", "Collaboration log entries", "Student survey results",
      "Number of co-taught lessons", "Attendance at events", "Database usage report"]),
    (("goal", "objective", "action", "step", "idea", "plan", "strategy"),
     ["Co-teach one research unit per grade", "Refresh the fiction collection",
      "Start a student book club", "Share a monthly report with the principal",
      "Host a family literacy night", "Visit every PLC once per grading period"]),
    (("message", "say", "story", "title", "name", "headline"),
     ["Readers are made, not born", "The library is a classroom",
      "Every student, every day", "Ask me about research help", "Books that look like us"]),
]
GENERIC_SHORT_DEFAULT = [
    "Start with one grade level", "Talk it over with the principal first",
    "Use the data we already collect", "Small, visible wins first", "Ask the student council",
    "Build on what already works", "Share it at the next staff meeting",
]
GENERIC_LONG = [
    (("why", "matter", "difference", "purpose", "value"),
     ["It matters because students need someone to show them how information works.",
      "Our students deserve a library that is part of their learning, not a break from it.",
      "When the library is strong, teachers have a partner and students have a place."]),
    (("how", "plan", "step", "approach", "strategy"),
     ["I'll start small with one grade level and build from there.",
      "I plan to talk this through with my principal before committing to it.",
      "I'll try it in the fall and look at the numbers in January.",
      "The student library council can help carry this out."]),
    (("who", "audience", "partner", "stakeholder"),
     ["The principal and the ELA team come first; they already trust the library.",
      "Families are the group we reach least, so they need the most attention.",
      "Teachers who are new to the campus are the easiest partners to start with."]),
]
GENERIC_LONG_DEFAULT = [
    "This is something I have been thinking about since the start of the year.",
    "Right now it depends on me alone, and I would like to share the work.",
    "Our circulation and collaboration data can tell part of this story.",
    "I want to connect it to the campus improvement plan so it gets noticed.",
    "Honestly, this is the part I find hardest to put into words.",
    "I'd like to hear how others in the cohort approach this before I decide.",
]


def _pool(label: str, keyed: list, default: list[str]) -> list[str]:
    low = label.lower()
    for words, pool in keyed:
        if any(w in low for w in words):
            return pool
    return default


# --------------------------------------------------------------------------- generation

class Clock:
    """Timestamps for one participant working through one session, worksheet by worksheet.

    The first sitting is on the session day or up to three weeks later; each further worksheet is
    done in the same sitting or a few days after the previous one. Fields are minutes apart, and now
    and then an answer is revised days later. Times are UTC, 13:00-23:59 (a US school day/evening).
    """

    def __init__(self, rng: random.Random, session_day: dt.date):
        self.rng = rng
        self.now = self._sitting(session_day + dt.timedelta(days=rng.choice([0, 0, 0, 1, 3, 7, 14, 21])))
        self.started = False

    def _sitting(self, day: dt.date) -> dt.datetime:
        r = self.rng
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc) + dt.timedelta(
            hours=r.randint(13, 21), minutes=r.randint(0, 59), seconds=r.randint(0, 59),
            milliseconds=r.randint(0, 999))

    def next_worksheet(self) -> dt.date:
        """Move on to the next worksheet; returns the day it is worked on."""
        if self.started and self.rng.random() < 0.45:
            self.now = self._sitting(self.now.date() + dt.timedelta(days=self.rng.randint(1, 10)))
        self.started = True
        return self.now.date()

    def tick(self) -> str:
        self.now += dt.timedelta(seconds=self.rng.randint(40, 420), milliseconds=self.rng.randint(0, 999))
        stamp = self.now
        if self.rng.random() < 0.08:  # came back and revised it later
            stamp += dt.timedelta(days=self.rng.randint(1, 30), minutes=self.rng.randint(0, 300))
            stamp = min(stamp, dt.datetime(YEAR_END.year, YEAR_END.month, YEAR_END.day, 23,
                                           tzinfo=dt.timezone.utc))
        return stamp.isoformat(timespec="milliseconds")


# The series' own outcome survey (before in Orientation, after at the end of Opportunity) is filled in
# a separate pass: keeping it out of the worksheet walk left every other answer as it was.
SURVEYS = ("orientation.before_survey", "opportunity.series_survey")
KICKOFF = dt.date(2025, 8, 26)
# Cohort meetings of the sample (the Colorado model: kickoff, four meetings, culmination).
MEETINGS = (
    ("kickoff", KICKOFF, "09:00", "12:00", 3.0),
    ("meeting_1", dt.date(2025, 10, 28), "16:00", "17:30", 1.5),
    ("meeting_2", dt.date(2025, 12, 9), "16:00", "17:30", 1.5),
    ("meeting_3", dt.date(2026, 2, 10), "16:00", "17:30", 1.5),
    ("meeting_4", dt.date(2026, 4, 14), "16:00", "17:30", 1.5),
    ("culmination", dt.date(2026, 5, 19), "09:00", "12:00", 3.0),
)


def series_sessions():
    """The dated sessions (orientation, number 0, comes before them and has only the survey)."""
    return [s for s in defs.sessions() if s.number >= 1]


def walked(session) -> list:
    return [ws for ws in session.worksheets if ws.key not in SURVEYS]


def session_days(sessions) -> dict[str, dt.date]:
    n = len(sessions)
    step = SESSION_SPACING_DAYS if n <= 1 else min(SESSION_SPACING_DAYS,
                                                   (LAST_SESSION - FIRST_SESSION).days // (n - 1))
    return {s.id: FIRST_SESSION + dt.timedelta(days=i * step) for i, s in enumerate(sessions)}


def sentences(rng: random.Random, pool: list[str], k: int) -> str:
    k = max(1, min(k, len(pool)))
    picked = sorted(rng.sample(range(len(pool)), k))
    return " ".join(pool[i] for i in picked)


def text_value(f: defs.Field, key: str, rng: random.Random, person: Person) -> str:
    if key in WHOLE:
        return rng.choice(WHOLE[key])
    k = rng.choice({1: [1, 1, 2], 2: [1, 2, 2, 3], 3: [2, 3, 3]}[person.verbosity])
    if key in SENTENCES:
        return sentences(rng, SENTENCES[key], k)
    if f.type == "short_text":
        return rng.choice(_pool(f.label, GENERIC_SHORT, GENERIC_SHORT_DEFAULT))
    return sentences(rng, _pool(f.label, GENERIC_LONG, GENERIC_LONG_DEFAULT), k)


def scalar_value(f: defs.Field, key: str, rng: random.Random, person: Person, day: dt.date):
    """A valid value for any non-table field type (also used for table columns)."""
    if f.type in ("short_text", "long_text"):
        return text_value(f, key, rng, person)
    if f.type == "choice":
        return rng.choice(f.options)
    if f.type == "multi_choice":
        k = rng.randint(1, min(3, len(f.options)))
        return [f.options[i] for i in sorted(rng.sample(range(len(f.options)), k))]
    if f.type == "scale":  # self-ratings cluster in the middle
        n = len(f.levels)
        weights = [1 + min(i, n - 1 - i) * 2 for i in range(n)]
        return rng.choices(range(1, n + 1), weights=weights)[0]
    if f.type == "number":
        return number_value(f, rng)
    if f.type == "date":
        d = day + dt.timedelta(days=rng.randint(0, 45))
        return min(d, YEAR_END).isoformat()
    raise AssertionError(f"unhandled field type {f.type}")


def number_value(f: defs.Field, rng: random.Random):
    """A whole number inside the field's min/max; money fields get round amounts, often 0."""
    label = f.label.lower()
    money = "$" in f.unit or "$" in label or "cost" in label or "budget" in label
    lo = f.min if f.min is not None else (0 if f.max is None or f.max >= 0 else f.max - 20)
    hi = f.max if f.max is not None else lo + (2500 if money else 20)
    lo_i, hi_i = math.ceil(lo), math.floor(hi)
    if lo_i > hi_i:  # no whole number fits (e.g. min 0.2, max 0.8)
        return lo
    if money:
        steps = (hi_i - lo_i) // 50
        if steps and rng.random() < 0.6:
            return lo_i + 50 * rng.randint(1, steps)
        return lo_i
    return rng.randint(lo_i, hi_i)


def table_rows(f: defs.Field, key: str, rng: random.Random, person: Person, day: dt.date) -> list[dict]:
    lo, hi = (2, 6) if person.profile == "thorough" else (1, 4)
    n = rng.randint(lo, hi)
    if rng.random() < 0.04:  # opened the table and added nothing
        return []
    if key == "visioning.core_beliefs.beliefs":
        rows = []
        for belief, evidence in rng.sample(BELIEFS, min(n, 5)):
            row = {"belief": belief}
            if rng.random() < person.fill + 0.1:
                row["evidence"] = evidence
            if rng.random() < person.fill:
                row["visibility"] = rng.choices([1, 2, 3, 4], weights=[1, 4, 4, 2])[0]
            rows.append(row)
        return rows
    if key == "visioning.mission_vision.values":
        return [{"value": v, "looks_like": looks} if rng.random() < person.fill + 0.15 else {"value": v}
                for v, looks in rng.sample(VALUES, min(n, 5))]
    if key == "visioning.strategic_plan.rows":
        return plan_rows(rng, person, n)
    if key == "visioning.communication_plan.rows":
        return communication_rows(rng, person, n)
    return generic_rows(f, key, rng, person, day, n)


def plan_rows(rng: random.Random, person: Person, n: int) -> list[dict]:
    goals = rng.sample(sorted(PLAN), rng.choice([1, 2, 2]) if n > 1 else 1)
    actions = [(g, o, a) for g in goals for o, acts in PLAN[g].items() for a in acts]
    chosen = sorted(rng.sample(range(len(actions)), min(n, len(actions))))
    rows = []
    start = PLAN_FIRST + dt.timedelta(days=rng.randint(0, 40))
    for i in chosen:
        goal, objective, (action, owner, measure, cost, length) = actions[i]
        start += dt.timedelta(days=rng.randint(0, 35))
        start = min(start, PLAN_LAST - dt.timedelta(days=14))
        due = min(start + dt.timedelta(days=max(7, int(length * rng.uniform(0.7, 1.3)))), PLAN_LAST)
        row = {"goal": goal, "objective": objective, "action": action, "owner": owner,
               "start": start.isoformat(), "due": due.isoformat()}
        if rng.random() < person.fill + 0.1:
            row["measure"] = measure
        if rng.random() < person.fill + 0.1:
            row["cost"] = min(1500, max(0, int(round(cost * rng.uniform(0.6, 1.2) / 25) * 25)))
        if rng.random() > person.fill + 0.25:  # a blank the person meant to come back to
            del row[rng.choice(["objective", "owner", "due"])]
        rows.append(row)
    return rows


def communication_rows(rng: random.Random, person: Person, n: int) -> list[dict]:
    seeded = ["Principal", "Teachers", "Families"]  # the worksheet's seed rows come first
    extra = [a for a in AUDIENCES if a not in seeded]
    audiences = (seeded + rng.sample(extra, max(0, n - 3)))[:max(n, 1)]
    rows = []
    for audience in audiences:
        messages, channels, freqs = AUDIENCES[audience]
        row = {"audience": audience}
        if rng.random() < person.fill + 0.15:
            row["message"] = rng.choice(messages)
        if rng.random() < person.fill + 0.1:
            row["channel"] = rng.choice(channels)
        if rng.random() < person.fill:
            row["frequency"] = rng.choice(freqs)
        rows.append(row)
    return rows


def generic_rows(f: defs.Field, key: str, rng: random.Random, person: Person, day: dt.date,
                 n: int) -> list[dict]:
    rows = []
    for i in range(n):
        row = dict(f.seed_rows[i]) if i < len(f.seed_rows) else {}
        for c in f.columns:
            if c.id in row:
                continue
            if c is f.columns[0] or rng.random() < person.fill + 0.1:
                row[c.id] = scalar_value(c, f"{key}.{c.id}", rng, person, day)
        dates = [c.id for c in f.columns if c.type == "date" and c.id in row]
        if len(dates) >= 2:  # e.g. start/due: keep them in order
            ordered = sorted(row[d] for d in dates)
            row.update(zip(dates, ordered))
        rows.append(row)
    return rows


def conditional_skip(key: str, answers: dict) -> bool:
    """SOAR users leave the SWOT-only boxes empty and the other way round (mostly)."""
    lens = answers.get("visioning.soar_swot.lens", {}).get("value")
    if key in ("visioning.soar_swot.aspirations", "visioning.soar_swot.results"):
        return lens == "SWOT"
    if key in ("visioning.soar_swot.weaknesses", "visioning.soar_swot.threats"):
        return lens == "SOAR"
    return False


def make_answers(person: Person, sessions, days: dict[str, dt.date]) -> dict:
    overrides = OVERRIDES.get(person.id, {})
    answers: dict[str, dict] = {}
    index = 0
    for s_index, session in enumerate(sessions):
        clock = Clock(random.Random(f"{SEED}:{person.id}:{session.id}:clock"), days[session.id])
        for ws in walked(session):
            index += 1
            rng = random.Random(f"{SEED}:{person.id}:{ws.key}")
            forced = any(f.key in overrides for f in ws.fields)
            # Later sessions are skipped more often, even by people who reach them.
            skip_ws = rng.random() < (0.0 if person.profile == "thorough" else 0.1) + 0.06 * s_index
            if not forced and (index > person.reach or (index > 1 and skip_ws)):
                continue
            day = clock.next_worksheet()
            fill = max(0.2, person.fill - 0.03 * s_index)
            fade = 0.0 if person.profile == "thorough" else 0.04  # attention fades down the page
            for pos, f in enumerate(ws.fields):
                if f.key in overrides:
                    answers[f.key] = {"value": overrides[f.key], "updated": clock.tick()}
                    continue
                # Everyone who opens the kit answers at least the first question.
                first = index == 1 and pos == 0
                if not first and (rng.random() > fill * (1 - fade * pos) or conditional_skip(f.key, answers)):
                    continue
                if f.type == "table":
                    value = table_rows(f, f.key, rng, person, day)
                elif f.key == "visioning.mission_vision.drafted_on":
                    value = day.isoformat()
                elif f.key == "visioning.strategic_plan.budget":
                    value = rng.choice([0, 250, 500, 500, 750, 1000, 1200, 1500, 2000, 3000])
                else:
                    value = scalar_value(f, f.key, rng, person, day)
                answers[f.key] = {"value": value, "updated": clock.tick()}
    survey_answers(person, answers, days)
    return {
        "schema_version": SCHEMA_VERSION,
        "participant": {"id": person.id, "name": person.name, "school": person.school,
                        "district": person.district, "cohort": COHORT},
        "answers": answers,
    }


def survey_answers(person: Person, answers: dict, days: dict[str, dt.date]) -> None:
    """Before: nearly everyone, at the kickoff, rating themselves low to middling. After: those who
    reached Opportunity, a little higher on most statements (the series helped most of them)."""
    rng = random.Random(f"{SEED}:{person.id}:survey")
    known = defs.all_fields()
    before_ws = [k for k in known if k.startswith(SURVEYS[0] + ".")]
    after_ws = [k for k in known if k.startswith(SURVEYS[1] + ".")]
    before: dict[str, int] = {}
    if before_ws and (person.profile != "early" or rng.random() < 0.5):
        clock = Clock(random.Random(f"{SEED}:{person.id}:before:clock"), KICKOFF)
        clock.next_worksheet()
        for key in before_ws:
            f = known[key]
            if f.type == "scale":
                before[key.rsplit(".", 1)[1]] = rng.choices([1, 2, 3, 4, 5], weights=[1, 5, 6, 3, 1])[0]
                value: object = before[key.rsplit(".", 1)[1]]
            elif rng.random() < person.fill:
                value = text_value(f, key, rng, person)
            else:
                continue
            answers[key] = {"value": value, "updated": clock.tick()}
    reached = any(k.startswith("opportunity.") for k in answers)
    if not after_ws or not (reached or person.profile in ("thorough", "steady")):
        return
    last_day = max(days.values()) if days else KICKOFF
    clock = Clock(random.Random(f"{SEED}:{person.id}:after:clock"), last_day + dt.timedelta(days=7))
    clock.next_worksheet()
    for key in after_ws:
        f, fid = known[key], key.rsplit(".", 1)[1]
        if f.type == "scale" and fid in before:
            value = min(5, before[fid] + rng.choice([0, 1, 1, 1, 2]))
        elif f.type == "scale":
            value = rng.choices([2, 3, 4, 5], weights=[1, 3, 5, 2])[0]
        elif rng.random() < person.fill:
            value = text_value(f, key, rng, person)
        else:
            continue
        answers[key] = {"value": value, "updated": clock.tick()}


def attendance_rows(people: list[Person], sessions) -> list[list[str]]:
    """Who came to what: the thorough come to everything, the early leavers to a session or two;
    a few left a meeting early (hours written as a number)."""
    events = [s.id for s in sessions] + [m[0] for m in MEETINGS]
    chance = {"thorough": (1.0, 0.9), "steady": (0.92, 0.7), "partial": (0.7, 0.45), "early": (0.25, 0.2)}
    rows = []
    for p in people:
        rng = random.Random(f"{SEED}:{p.id}:attendance")
        at_session, at_meeting = chance[p.profile]
        row = [p.id, p.name]
        for i in range(len(events)):
            is_session = i < len(sessions)
            if rng.random() >= (at_session if is_session else at_meeting):
                row.append("no")
            elif not is_session and rng.random() < 0.1:
                row.append("1")  # left early: an hour of a 90-minute meeting
            else:
                row.append("yes")
        rows.append(row)
    return rows


def cohort_yaml(sessions, days: dict[str, dt.date]) -> str:
    """The sample's cohort file: its session dates are the ones the answers were typed around."""
    lines = [
        "# FICTIONAL sample cohort file, written by datasets/make_sample_cohort.py (do not edit by hand).",
        "# A real cohort starts from `llc cohort init cohort.yaml`; this one matches the sample answers.",
        f'name: "{COHORT}"',
        'series: "On the Leading Edge"',
        'organiser: "Sparrowgate Regional Service Center (fictional)"',
        "timezone: America/Chicago",
        "facilitators:",
        '  - name: "Rosalind Inkwell (fictional)"',
        '    email: "rinkwell@example.org"',
        "    role: Lead facilitator",
        '  - name: "Tobias Marginalia (fictional)"',
        "    role: Cohort team leader",
        "credit:",
        '  offered: "Continuing professional education (CPE) hours"',
        "  required_hours: 32",
        "  pd_log_max_hours: 8",
        "attendance: attendance.csv",
        "certificate_secret: sample-cohort-secret-not-for-real-use",
        "sessions:",
    ]
    for s in sessions:
        lines += [f"  - id: {s.id}", f"    date: {days[s.id].isoformat()}", '    start: "08:30"',
                  '    end: "15:30"', "    hours: 6", '    where: "Online (fictional meeting link)"']
    lines.append("meetings:")
    for mid, day, start, end, hours in MEETINGS:
        lines += [f"  - id: {mid}", f"    date: {day.isoformat()}", f'    start: "{start}"', f'    end: "{end}"',
                  f"    hours: {hours:g}", '    where: "Sparrowgate Regional Service Center (fictional), room 2"']
    return "\n".join(lines) + "\n"


def generate(out: Path) -> list[Person]:
    sessions = series_sessions()
    n_worksheets = sum(len(walked(s)) for s in sessions)
    people = make_people(n_worksheets)
    days = session_days(sessions)
    (out / "answers").mkdir(parents=True, exist_ok=True)
    # newline="" + lineterminator="\n": identical bytes on every OS.
    with (out / "roster.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["id", "name", "school", "district", "cohort"])
        w.writerows(p.roster_row() for p in people)
    with (out / "attendance.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["id", "name", *(s.id for s in sessions), *(m[0] for m in MEETINGS)])
        w.writerows(attendance_rows(people, sessions))
    (out / "cohort.yaml").write_bytes(cohort_yaml(sessions, days).encode("utf-8"))
    for p in people:
        doc = make_answers(p, sessions, days)
        text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"
        (out / "answers" / f"{p.id}.json").write_bytes(text.encode("utf-8"))
    return people


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT,
                    help=f"folder to write roster.csv and answers/ into (default: {DEFAULT_OUT})")
    args = ap.parse_args(argv)
    people = generate(args.out)
    print(f"Wrote {len(people)} fictional participants to {args.out}")


if __name__ == "__main__":
    main()

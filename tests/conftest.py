import pytest

from llc_exercises.core.store import AnswerStore

# The browser drivers' own asserts should show what differed, as test files' asserts do (they are
# imported by the test modules, after this file).
pytest.register_assert_rewrite("formdriver", "labtools")

# What each test needs beyond Python (the marks are declared in pyproject.toml). `make test` runs
# them all; `make test-fast` leaves these out. Whole files first, then by fixture for mixed files.
FILE_MARKS = {
    "test_a11y_static.py": ("browser", "slow"),
    "test_app.py": ("browser", "slow"),
    "test_app_downloads.py": ("browser", "slow"),
    "test_app_kernels.py": ("browser", "slow"),
    "test_binder.py": ("slow",),
    "test_browser.py": ("browser", "slow"),
    "test_builds.py": ("slow",),
    "test_certificates.py": ("slow",),
    "test_cohort_dates.py": ("slow",),
    "test_guide.py": ("slow",),
    "test_html_valid.py": ("slow",),
    "test_hub.py": ("hub", "browser", "slow"),
    "test_hub_attendance.py": ("hub", "browser", "slow"),
    "test_hub_cohorts_api.py": ("hub", "slow"),
    "test_hub_dashboard.py": ("hub", "browser", "slow"),
    "test_hub_participant_page.py": ("hub", "browser", "slow"),
    "test_hub_demo.py": ("hub", "browser", "slow"),
    "test_hub_feedback_kernel.py": ("hub", "browser", "slow"),
    "test_keyboard_app.py": ("browser", "slow"),
    "test_keyboard_lab.py": ("browser", "slow"),
    "test_letter.py": ("slow",),
    "test_never_lose_a_word.py": ("browser", "slow"),
    "test_pdf_structure.py": ("slow",),
    "test_print.py": ("slow",),
    "test_reflow.py": ("browser", "slow"),
    "test_report.py": ("slow",),
    "test_wheel.py": ("slow",),
    "test_workbook.py": ("slow",),
}
FIXTURE_MARKS = {"dask_cluster": "dask", "dask_build": "dask"}
# Single tests in otherwise quick files: a browser, a kernel restart, a workbook build, `llc` runs.
TEST_MARKS = {
    "test_carry.py::test_download_upload_and_undo_by_keyboard_in_jupyterlab": ("browser", "slow"),
    "test_sessions.py::test_every_session_survives_a_kernel_restart": ("slow",),
    "test_widgets.py::test_answers_survive_a_kernel_restart": ("slow",),
    "test_cli_schema.py::test_a_file_filled_from_the_schema_alone_validates": ("slow",),
    "test_cli_schema.py::test_validate_names_each_key_and_problem": ("slow",),
    "test_years.py::test_the_workbook_sets_last_year_beside_this_year": ("slow",),
    "test_years.py::test_a_workbook_without_a_last_year_has_no_such_section": ("slow",),
    "test_years.py::test_new_year_archives_byte_for_byte_and_carries_only_what_lasts": ("slow",),
    # every output of `make demo` (30 workbooks as PDF), and the participant's own, under umask 022
    "test_permissions.py::test_every_output_of_the_demo_and_of_a_participant_follows_the_rule": ("slow",),
    # ajv from node_modules, which `make test` installs and `make test-fast` does not
    "test_strict_dates.py::test_ajv_in_strict_mode_compiles_the_schema_llc_schema_writes": ("slow",),
    "test_strict_dates.py::test_ajv_and_the_kit_agree_on_every_date": ("slow",),
    "test_feedback_workbook.py::test_llc_build_from_an_export_prints_feedback_under_its_worksheet": ("slow",),
    "test_feedback_workbook.py::test_build_all_on_a_real_hub_prints_feedback_written_through_the_api": ("hub", "slow"),
}


def pytest_collection_modifyitems(items):
    for item in items:
        if not isinstance(item, pytest.Function):  # a notebook cell (nbval) runs in a kernel
            item.add_marker("slow")
            continue
        marks = set(FILE_MARKS.get(item.path.name, ()))
        marks |= set(TEST_MARKS.get(f"{item.path.name}::{item.originalname}", ()))
        marks |= {mark for fixture, mark in FIXTURE_MARKS.items() if fixture in item.fixturenames}
        for mark in sorted(marks):
            item.add_marker(mark)


@pytest.fixture
def store(tmp_path):
    return AnswerStore(tmp_path / "answers" / "p1.json", participant={"id": "p1"})


def pytest_collection_finish(session):
    """A mark for a test that no longer exists (renamed, moved) would silently let a slow test into
    `make test-fast`: name it."""
    if session.config.option.markexpr or not session.items:
        return
    names = {f"{i.path.name}::{i.originalname}" for i in session.items if isinstance(i, pytest.Function)}
    files = {i.path.name for i in session.items}
    if {k.split("::")[0] for k in TEST_MARKS} <= files:
        stale = sorted(set(TEST_MARKS) - names)
        assert not stale, f"tests/conftest.py marks tests that do not exist: {stale}"

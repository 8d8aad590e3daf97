import pytest

from llc_exercises.core.store import AnswerStore

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
    "test_hub.py": ("hub", "browser", "slow"),
    "test_hub_attendance.py": ("hub", "browser", "slow"),
    "test_hub_demo.py": ("hub", "browser", "slow"),
    "test_keyboard_app.py": ("browser", "slow"),
    "test_keyboard_lab.py": ("browser", "slow"),
    "test_never_lose_a_word.py": ("browser", "slow"),
    "test_print.py": ("slow",),
    "test_reflow.py": ("browser", "slow"),
    "test_wheel.py": ("slow",),
    "test_workbook.py": ("slow",),
}
FIXTURE_MARKS = {"dask_cluster": "dask", "dask_build": "dask"}


def pytest_collection_modifyitems(items):
    for item in items:
        marks = set(FILE_MARKS.get(item.path.name, ()))
        marks |= {mark for fixture, mark in FIXTURE_MARKS.items() if fixture in item.fixturenames}
        if item.path.suffix == ".ipynb":  # nbval runs a notebook in a kernel
            marks.add("slow")
        for mark in sorted(marks):
            item.add_marker(mark)


@pytest.fixture
def store(tmp_path):
    return AnswerStore(tmp_path / "answers" / "p1.json", participant={"id": "p1"})

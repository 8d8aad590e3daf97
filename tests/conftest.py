import pytest

from llc_exercises.core.store import AnswerStore


@pytest.fixture
def store(tmp_path):
    return AnswerStore(tmp_path / "answers" / "p1.json", participant={"id": "p1"})

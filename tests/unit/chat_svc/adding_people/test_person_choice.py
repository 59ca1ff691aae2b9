"""Which person "Add someone by name" means (chat_svc/adding_people/person_choice.py)."""

from __future__ import annotations

from chat_svc.adding_people.person_choice import ADDRESS_ANSWER, choose_person
from chat_svc.models.messages import account_handle
from chat_svc.models.users import ChatUser


def person(user_id: str, name: str, deactivated: bool = False) -> ChatUser:
    built: ChatUser = ChatUser.model_construct(
        user_id=user_id, email=f"{user_id}@example.com", display_name=name, deactivated=deactivated
    )
    return built


GRACE, OTHER_GRACE, ADA = (
    person("u1", "Grace Hopper"),
    person("u2", "Grace Hopper"),
    person("u3", "Ada"),
)
PEOPLE = [GRACE, OTHER_GRACE, ADA]


def test_a_unique_name_in_any_case_chooses_that_person() -> None:
    assert choose_person("ada", PEOPLE).person is ADA


def test_a_shared_name_answers_with_each_ones_tag() -> None:
    choice = choose_person("Grace Hopper", PEOPLE)
    assert choice.person is None and choice.problem is not None
    assert f"Grace Hopper~{account_handle('u1')}" in choice.problem
    assert f"Grace Hopper~{account_handle('u2')}" in choice.problem


def test_the_tag_chooses_one_of_a_shared_name_with_a_tilde_or_a_space() -> None:
    tag = account_handle("u2")
    assert choose_person(f"Grace Hopper~{tag}", PEOPLE).person is OTHER_GRACE
    assert choose_person(f"grace hopper {tag}", PEOPLE).person is OTHER_GRACE


def test_an_unknown_name_is_no_one() -> None:
    for typed in ("Linus", f"Ada~{account_handle('u1')}"):
        choice = choose_person(typed, PEOPLE)
        assert choice.person is None and choice.problem == f"No one called “{typed}” can chat here."


def test_a_known_and_an_unknown_address_get_the_same_answer() -> None:
    known, unknown = choose_person("u1@example.com", PEOPLE), choose_person("x@example.org", PEOPLE)
    assert known.person is None and unknown.person is None
    assert known.problem == unknown.problem == ADDRESS_ANSWER


def test_deactivated_people_are_not_added() -> None:
    assert choose_person("Bob", [person("u4", "Bob", deactivated=True)]).person is None

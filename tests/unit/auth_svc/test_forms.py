"""Form values reach the flows as text only after validation."""

import pytest
from wtforms import Form, StringField

from auth_svc.lib.forms import validated_text


class NameForm(Form):
    name = StringField("Name")


def test_a_validated_field_gives_its_text() -> None:
    assert validated_text(NameForm(data={"name": "Ada"}).name) == "Ada"


def test_a_field_without_a_value_is_refused_loudly() -> None:
    with pytest.raises(TypeError, match="validate the form first"):
        validated_text(NameForm().name)

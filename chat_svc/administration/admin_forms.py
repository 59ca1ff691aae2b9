"""The administration pages' forms (CSRF through chat's form session, web/forms.py)."""

from __future__ import annotations

from wtforms import HiddenField, ValidationError
from wtforms.fields.core import Field

from chat_svc.web.forms import ActionForm
from service_kit.people.roles import ROLES


class RoleForm(ActionForm):
    role = HiddenField()

    def validate_role(self, field: Field) -> None:
        if field.data not in ROLES:
            raise ValidationError("Choose admin or member.")

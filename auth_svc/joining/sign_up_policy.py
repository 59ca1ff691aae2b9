"""Whether a sign-up may go ahead: ``AUTH_SIGN_UP_MODE`` with the join code it brings.

The answer depends on the address's domain and the code only, never on whether the
address has an account, so a refusal tells a stranger nothing about who is here."""

from __future__ import annotations

from auth_svc.joining.first_administrator import install_is_empty
from auth_svc.joining.join_codes import is_current_join_code
from auth_svc.settings import AuthSettings, SignUpMode


def domain_of(email: str) -> str:
    return email.rpartition("@")[2].casefold()


async def may_sign_up(settings: AuthSettings, email: str | None, join_code: str | None) -> bool:
    """``email`` None: may this visitor see the sign-up form at all (its domain unknown)."""
    mode = settings.effective_sign_up_mode
    if mode is SignUpMode.OPEN:
        return True
    if mode is SignUpMode.DOMAINS and (
        email is None or domain_of(email) in settings.sign_up_domain_set
    ):
        return True
    return await is_current_join_code(join_code) or await install_is_empty()

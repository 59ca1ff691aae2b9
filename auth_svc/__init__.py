"""auth_svc: sign-up, e-mail verification, sign-in, password reset, sessions, token checks."""

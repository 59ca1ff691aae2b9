"""A person's profile: display name, status line and time zone (``/settings/profile``),
and the page others see (``/people/<handle>``)."""

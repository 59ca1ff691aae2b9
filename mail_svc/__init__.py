"""mail_svc: turns JetStream events into e-mails (Jinja2 templates, aiosmtplib)."""

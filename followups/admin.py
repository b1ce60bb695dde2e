"""No admin pages: follow-ups are written only through followups.services (the pages, the API and the
re-offence job), so that every change checks its actor and keeps the due times."""

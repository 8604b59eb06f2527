"""Recruiter console, one module per domain as in `recruit.models`; importing them registers the pages."""

from recruit.admin import conversations, jobs, notifications, retention, screening

__all__ = ["conversations", "jobs", "notifications", "retention", "screening"]

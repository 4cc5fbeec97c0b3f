"""Settings of the feedback service: environment variables, over `ServiceSettings`' defaults."""

from __future__ import annotations

from pydantic import Field

from presscenter.shared.settings import ServiceSettings


class FeedbackSettings(ServiceSettings):
    """Database `presscenter_feedback` unless MONGO_DB says otherwise."""

    service_name = "feedback"

    clock_interval: float = Field(
        0.25, gt=0, description="Seconds between SLA clock passes (warnings, overdue, escalation); read at start."
    )
    working_calendar: str = Field(
        "vn-gov", description="vn-gov (shipped Hanoi hours and holidays), always (24/7) or a calendar JSON path."
    )
    working_hours: str | None = Field(
        None, description="Weekly hours overriding the calendar's, e.g. 'mon-fri=08:00-12:00,13:30-17:00'."
    )
    sla_hour_seconds: float = Field(
        3600.0, gt=0, description="Working seconds in one SLA hour: 3600; tests make the clock fast with less."
    )
    sla_policy_file: str | None = Field(None, description="SLA policy JSON replacing the shipped one.")
    categories_file: str | None = Field(None, description="Categories JSON replacing the shipped one.")
    routing_rules_file: str | None = Field(None, description="Routing rules JSON replacing the shipped one.")
    city_timezone: str = Field("Asia/Ho_Chi_Minh", description="Time zone of Open311 times.")

"""The name of every step of the client's flows: what ``Transition.goto`` names and what a
saved conversation's ``step`` holds (the values are stored, so they never change)."""

from __future__ import annotations

from enum import StrEnum


class StepName(StrEnum):
    """One step of a flow (``core.dialogs.flows.build_engine`` registers one of each)."""

    WELCOME = "welcome"
    HOME = "home"
    TOPICS = "topics"
    DESCRIPTION = "description"
    LANGUAGE = "language"
    KIND = "kind"
    BUDGET = "budget"
    WHEN = "when"
    RESULTS = "results"
    PROFILE = "profile"
    SLOT = "slot"
    SUMMARY = "summary"
    RECEIPT_NAME = "receipt_name"
    PAY = "pay"
    TIMEZONE = "timezone"
    UI_LANGUAGE = "ui_language"  # the language Pathwise writes to the client in
    BOOKINGS = "bookings"
    BOOKING = "booking"
    RESCHEDULE = "reschedule"
    CANCEL_BOOKING = "cancel_booking"
    REFUND = "refund"
    RATE = "rate"
    REVIEW = "review"
    TIP = "tip"
    TIP_OTHER = "tip_other"
    TIP_PAY = "tip_pay"
    MOOD = "mood"
    PRIVACY = "privacy"
    DELETE_DATA = "delete_data"

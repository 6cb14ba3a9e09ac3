"""The retention date of a client's record under a policy.

retain until = the later of
  - the last date of service + years_after_service, and
  - for a client who was a minor when the record began: the day they reach the age of
    majority + years_after_majority.
The last date of service is the latest signed note's date of service; a record without
one counts from its discharge, or else from its registration.
"""

from __future__ import annotations

from datetime import date


def add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year + years, day=28)


def service_end(client) -> date:
    return client.last_service_date or client.discharged_on or client.created_at.date()


def was_minor(client, policy) -> bool:
    if client.is_minor:
        return True
    dob = client.date_of_birth
    return dob is not None and add_years(dob, policy.age_of_majority) > client.created_at.date()


def retain_until(client, policy) -> date:
    until = add_years(service_end(client), policy.years_after_service)
    if was_minor(client, policy) and client.date_of_birth is not None:
        majority = add_years(client.date_of_birth, policy.age_of_majority)
        until = max(until, add_years(majority, policy.years_after_majority))
    return until

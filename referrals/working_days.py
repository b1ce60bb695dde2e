"""Working-day arithmetic on the calendar table (DESIGN.md §4). Plain Python with one query per call;
no Celery, no SQL now().

A day the table holds is what the table says (holidays, and the Saturdays and Sundays worked in
exchange, 调休); a day it does not hold counts by the week: Monday to Friday work, the weekend not.
So a year the State Council has not published yet still gets sensible due times, and they are
recomputed when its schedule is entered (referrals.services.calendar)."""

from __future__ import annotations

from datetime import date, timedelta

from .models import WorkingDay

# Days read per query: enough for the longest default (five working days across the Spring Festival
# and a weekend) in one query; a longer count reads the next stretch.
_WINDOW_DAYS = 40


def by_the_week(day: date) -> bool:
    return day.weekday() < 5


def nth_working_day_after(day: date, n: int) -> date:
    """The n-th working day after `day` (`day` itself is not counted, as in Chinese law's counting of
    periods): n=1 is the next working day."""
    if n < 1:
        raise ValueError("n must be at least 1")
    counted, current = 0, day
    while True:
        start = current + timedelta(days=1)
        stretch = [start + timedelta(days=i) for i in range(_WINDOW_DAYS)]
        known = dict(WorkingDay.objects.filter(day__range=(stretch[0], stretch[-1])).values_list("day", "is_workday"))
        for candidate in stretch:
            if known.get(candidate, by_the_week(candidate)):
                counted += 1
                if counted == n:
                    return candidate
        current = stretch[-1]

"""A tenant's settings, as far as invoices depend on them today: how they are numbered."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator

from chalicelib.domain.invoice import DomainModel
from chalicelib.domain.numbering import DEFAULT_FORMAT, format_problem


def _usable_format(number_format: str) -> str:
    problem = format_problem(number_format)
    if problem is not None:
        raise ValueError(problem)
    return number_format


NumberingFormat = Annotated[str, AfterValidator(_usable_format)]


class TenantSettings(DomainModel):
    """Changing the numbering format keeps counting: the next number of the year follows on."""

    numbering_format: NumberingFormat = DEFAULT_FORMAT

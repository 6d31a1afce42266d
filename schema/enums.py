"""The domain's codelists, registered as GraphQL enums under the contract's names.

Strawberry marks the domain's own enum classes, so resolvers and inputs use them directly.
"""

from __future__ import annotations

import strawberry

from registry.domain.codelists import (
    ActivityKind,
    BestPracticeStatus,
    LessonKind,
    OrganisationType,
    PartnerRole,
    PartnershipStatus,
    PracticeArea,
    ResultLevel,
    Sector,
    TargetGroup,
    Verification,
)
from registry.domain.errors import ErrorCode
from registry.geography import AreaLevel

for _codelist in (
    ActivityKind,
    AreaLevel,
    BestPracticeStatus,
    LessonKind,
    OrganisationType,
    PartnerRole,
    PartnershipStatus,
    PracticeArea,
    ResultLevel,
    Sector,
    TargetGroup,
    Verification,
):
    strawberry.enum(_codelist)
strawberry.enum(ErrorCode, name="UserErrorCode")

__all__ = [
    "ActivityKind",
    "AreaLevel",
    "BestPracticeStatus",
    "ErrorCode",
    "LessonKind",
    "OrganisationType",
    "PartnerRole",
    "PartnershipStatus",
    "PracticeArea",
    "ResultLevel",
    "Sector",
    "TargetGroup",
    "Verification",
]

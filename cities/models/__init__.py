from cities.models.accounts import Membership, User
from cities.models.audit import AuditEntry
from cities.models.designations import Designation
from cities.models.places import City, Province

__all__ = ["AuditEntry", "City", "Designation", "Membership", "Province", "User"]

from cities.models.accounts import Membership, PasswordHistory, User
from cities.models.audit import AuditEntry
from cities.models.designations import Designation
from cities.models.notifications import Notification
from cities.models.places import City, Province
from cities.models.tokens import ApiToken

__all__ = ["ApiToken", "AuditEntry", "City", "Designation", "Membership", "Notification", "PasswordHistory", "Province",
           "User"]

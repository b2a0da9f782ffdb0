"""personal-data: names, addresses, phone numbers and other personal data in what the recipient reads.

Personalisation is not a leak: the recipient's own values in their own message, the sender's own
addresses and the campaign's own contact details (literal in the template, or in every scanned message)
are skipped (`dlp.checks.entity`).
"""

from __future__ import annotations

from dlp.checks.entity import EntityCheck


class PersonalData(EntityCheck):
    detector = "personal-data"
    skip_own_data = True

"""The entity catalogue: the entity types dlp reasons about, in one place.

Which types are never reported, which are identifier-shaped (checked for glue, for an "order number"
label), which are the sender's own contact details when written into a template, what a user reads for
each in a finding, and the label words that say a number is some other id (an order, an invoice, a
parcel). Detection, the value index and the checks read these names from here instead of each keeping
its own set.
"""

from __future__ import annotations

import re

EMAIL = "EMAIL_ADDRESS"
PHONE = "PHONE_NUMBER"
PERSON = "PERSON"
STREET = "STREET_ADDRESS"
ID = "ID"  # a recipient-list column of identifiers (the value index's own kind)

# Whatever the rules ask for, these are never reported: stock Presidio on email reads "SSN", "DOB" and
# "IBAN" as organisations and account numbers as dates; organisations and bare dates are not personal
# data for this product (a birth date is DATE_OF_BIRTH).
NEVER_REPORTED = frozenset({"ORGANIZATION", "DATE_TIME", "NRP", "URL", "LOCATION"})
# Identifier-shaped entities that are never written glued to other letters or digits.
GLUE_CHECKED = frozenset(
    {
        "US_SSN", "US_BANK_NUMBER", "US_ITIN", "US_DRIVER_LICENSE", "US_PASSPORT", "MEDICAL_LICENSE", "UK_NHS",
        "UK_NINO", "DE_TAX_ID", "CREDIT_CARD", "IBAN_CODE", "CH_AHV", "FR_INSEE", "ES_NIF", "ES_NIE",
        "IT_FISCAL_CODE", "CRYPTO", "NATIONAL_ID",
    }
)  # fmt: skip
# Numbers that match any digits of the right length: labelled as an order or tracking number, they are that.
ID_LIKE = frozenset(
    {"US_SSN", "US_BANK_NUMBER", "US_ITIN", "US_DRIVER_LICENSE", "US_PASSPORT", "DE_TAX_ID", "UK_NHS", PHONE}
)
# Written into the template itself, these are the sender's own: the help line, the office address, the
# signature's name. A customer's value arrives through a variable (or as a different recipient's data).
COMPANY_CONTACT_TYPES = frozenset({PHONE, STREET, EMAIL, PERSON})
# The types the value index asks Presidio about when a column's header says nothing.
INDEX_TYPES = (
    PERSON, EMAIL, PHONE, STREET, "ACCOUNT_NUMBER", "CREDIT_CARD", "IBAN_CODE", "US_SSN", "US_BANK_NUMBER",
    "US_PASSPORT", "US_DRIVER_LICENSE", "DATE_OF_BIRTH", "IP_ADDRESS", "UK_NINO", "CH_AHV", "IT_FISCAL_CODE",
)  # fmt: skip

# What a user reads for an entity type in a finding ("phone number of another recipient").
KIND_WORDS = {
    EMAIL: "email address",
    PHONE: "phone number",
    PERSON: "name",
    ID: "id",
    STREET: "street address",
}


def kind_word(kind: str | None) -> str:
    return KIND_WORDS.get(kind or "", (kind or "value").replace("_", " ").lower())


# -- labels that make a number some other id ---------------------------------------------------------------
# The words every such label shares (English); each use below adds the words and shape it needs.
ORDER_LABEL_WORDS = (
    r"order|invoice|tracking|track|parcel|shipment|reference|ref|ticket|case|booking|confirmation|"
    r"receipt|transaction|serial|sku|item|article"
)
# German, French, Italian and Spanish order, invoice and parcel words, any ending (Bestellnummer).
FOREIGN_ORDER_WORDS = r"bestell\w*|rechnung\w*|sendung\w*|commande|facture|colis|ordine|fattura|pedido|factura"

# Right before an id-shaped number ("Order no.: 123-45-6789"): the number is that order's, not an SSN.
ORDER_NUMBER_LABEL = re.compile(
    rf"(?i)\b(?:{ORDER_LABEL_WORDS}|model|part|{FOREIGN_ORDER_WORDS}|reservation|claim|incident|request)\b"
    r"\s{0,2}(?:number|no\.?|nr\.?|#|id|code)?\s{0,2}[:#]?\s{0,2}$"
)
# Ending the line before a number (evidence filters): a bare "ID", "No." or "#" also labels it.
OTHER_NUMBER_LABEL = re.compile(
    rf"(?i)\b(?:{ORDER_LABEL_WORDS}|{FOREIGN_ORDER_WORDS}|reservation|claim|incident|request|id|no\.?|nr\.?|#)"
    r"(?:\s*(?:number|num\.?|no\.?|nr\.?|id|code|#))?\s*[:#]?\s*$"
)
# Up to 20 characters before a phone-shaped number on its line: an IMEI, an account or a policy number is
# not a phone number (the phone recognizer), unless a phone word is right before it.
NOT_A_PHONE_LABEL = re.compile(
    rf"(?i)\b(?:{ORDER_LABEL_WORDS}|bestellung|rechnung|sendung|commande|facture|colis|"
    r"ordine|fattura|pedido|factura|imei|iban|account|acct|customer|contract|policy|member|kundennummer|"
    r"insurance|nino|ssn|passport|licen[cs]e|pin|passcode|access\s+code|(?:meeting|conference|webinar)\s+id)"
    r"\b[^\n]{0,20}$"
)

"""dlp's own Presidio recognizers, and the Presidio predefined ones dlp reuses, per language.

`project_recognizers(language)` is the one place the engine asks for them, so adding a recognizer is a
new module plus one line here. Pattern recognizers are language-independent data (an IBAN or an
Italian fiscal code looks the same in an English mail), so every one runs for every served language.
"""

from __future__ import annotations

from presidio_analyzer import EntityRecognizer
from presidio_analyzer.predefined_recognizers import (
    CryptoRecognizer,
    DeTaxIdRecognizer,
    EmailRecognizer,
    EsNieRecognizer,
    EsNifRecognizer,
    IbanRecognizer,
    IpRecognizer,
    ItFiscalCodeRecognizer,
    MedicalLicenseRecognizer,
    NhsRecognizer,
    UkNinoRecognizer,
    UsBankRecognizer,
    UsItinRecognizer,
    UsLicenseRecognizer,
    UsPassportRecognizer,
    UsSsnRecognizer,
)

from dlp.detect.recognizers.account_number import AccountNumberRecognizer
from dlp.detect.recognizers.credential import CredentialRecognizer
from dlp.detect.recognizers.cued_name import CuedNameRecognizer
from dlp.detect.recognizers.date_of_birth import DateOfBirthRecognizer
from dlp.detect.recognizers.dictionary_name import DictionaryNameRecognizer
from dlp.detect.recognizers.display_name import DisplayNameRecognizer
from dlp.detect.recognizers.iban_any import AnyCountryIbanRecognizer
from dlp.detect.recognizers.introduced_name import IntroducedNameRecognizer
from dlp.detect.recognizers.labelled_id import LabelledIdRecognizer
from dlp.detect.recognizers.lone_name import LoneNameRecognizer
from dlp.detect.recognizers.national_ids import ChAhvRecognizer, FrInseeRecognizer
from dlp.detect.recognizers.obfuscated_email import ObfuscatedEmailRecognizer
from dlp.detect.recognizers.payment_card import PaymentCardRecognizer
from dlp.detect.recognizers.phone import EmailPhoneRecognizer
from dlp.detect.recognizers.reversed_name import ReversedNameRecognizer
from dlp.detect.recognizers.role_name import RoleNameRecognizer
from dlp.detect.recognizers.street_address import StreetAddressRecognizer
from dlp.detect.recognizers.uk_address import UkAddressRecognizer

# Presidio's own, reused as shipped (their checksums and context words), instantiated per language.
PREDEFINED: tuple[type[EntityRecognizer], ...] = (
    EmailRecognizer,
    IbanRecognizer,
    IpRecognizer,
    CryptoRecognizer,
    MedicalLicenseRecognizer,
    UsSsnRecognizer,
    UsItinRecognizer,
    UsPassportRecognizer,
    UsLicenseRecognizer,
    UsBankRecognizer,
    UkNinoRecognizer,
    NhsRecognizer,
    ItFiscalCodeRecognizer,
    EsNifRecognizer,
    EsNieRecognizer,
    DeTaxIdRecognizer,
)

OWN: tuple[type[EntityRecognizer], ...] = (
    PaymentCardRecognizer,
    AnyCountryIbanRecognizer,
    EmailPhoneRecognizer,
    ObfuscatedEmailRecognizer,
    StreetAddressRecognizer,
    UkAddressRecognizer,
    DateOfBirthRecognizer,
    AccountNumberRecognizer,
    LabelledIdRecognizer,
    CredentialRecognizer,
    ChAhvRecognizer,
    FrInseeRecognizer,
    IntroducedNameRecognizer,
    DictionaryNameRecognizer,
    LoneNameRecognizer,
    ReversedNameRecognizer,
    CuedNameRecognizer,
    DisplayNameRecognizer,
    RoleNameRecognizer,
)


def project_recognizers(language: str) -> list[EntityRecognizer]:
    out: list[EntityRecognizer] = [cls(supported_language=language) for cls in OWN]
    out.extend(cls(supported_language=language) for cls in PREDEFINED)
    return out

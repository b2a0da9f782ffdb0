"""CREDENTIAL: passwords, PINs, one-time codes, security answers and API keys given in mail.

A password is any string; what makes it one is the label in front ("Password: ..."), so the label is
part of the pattern. Keys from well-known providers have a recognisable shape and need no label.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern

from dlp.detect.recognizers.prefilter import PrefilteredPatternRecognizer

SECRET_LABEL = (
    r"(?:password|passwort|kennwort|mot\s+de\s+passe|contraseña|contrasena|parola\s+d'ordine|passcode|pass\s*phrase|"
    r"temporary\s+password|initial\s+password|login\s+password|"
    r"api[\s_-]?key|secret[\s_-]?key|access[\s_-]?token|auth[\s_-]?token|client[\s_-]?secret|token)"
)
CODE_LABEL = (
    r"(?:pin(?:\s+code)?|pin-code|one[\s-]time\s+(?:code|password|passcode)|otp|verification\s+code|"
    r"security\s+code|confirmation\s+code|login\s+code|access\s+code|(?:2fa\s+)?backup\s+code|2fa\s+code|"
    r"sms\s+code|puk(?:\s+code)?|unlock\s+code|"
    r"code\s+de\s+(?:vérification|confirmation|sécurité)|code\s+pin|bestätigungscode|sicherheitscode|"
    r"codice\s+(?:di\s+verifica|pin|otp)|código\s+(?:de\s+verificación|pin|de\s+seguridad))"
)
ANSWER_LABEL = (
    r"(?:security\s+(?:question\s+)?answer|secret\s+answer|security\s+word|secret\s+word|security\s+phrase|answer\s+to\s+(?:your|the)\s+security\s+question|"
    r"mother'?s\s+maiden\s+name|memorable\s+word|name\s+of\s+your\s+first\s+pet)"
)
# One qualifier may stand between the label and the value: "mot de passe provisoire :", "contraseña temporal es".
QUALIFIER = (
    r"(?:\s+(?:provisoire|temporaire|temporal|provisional|temporaneo|provvisorio|neues|neue|nuevo|nouveau|nuovo|"
    r"temporanea|provvisoria|new|temporary|initial))?"
)
# Blanks, not line breaks: the value is on the label's line ("ldap.password=x" ends its line; the next
# line is another setting, not the secret).
SEP = rf"{QUALIFIER}[ \t]{{0,2}}(?:is|was|:|=|-|–|est|ist|lautet|è|es)?[ \t]{{0,2}}[:=]?[ \t]{{0,2}}[\"'“‘«]?"
# A password after "is": require a digit or symbol so "your password is incorrect" is not one.
STRONG_VALUE = r"(?![:=])(?=[^\s\"'”’»]*[\d!@#$%^&*_+=?~])[^\s\"'”’»,;]{4,64}(?<![.,;:!?)])"
# After ':' the value may stand on the next line (a two-column layout); after '=' it may not.
COLON = r"[ \t]{0,2}(?::[ \t]{0,2}\n?|=)[ \t]{0,2}[\"'“‘«]?"
ANY_VALUE = r"(?![:=])[^\s\"'”’»,;]{4,64}(?<![.,;:!?)])"


class CredentialRecognizer(PrefilteredPatternRecognizer):
    # Every pattern below needs one of its labels before the value, or one of these key prefixes.
    REQUIRES = re.compile(
        rf"(?i)(?:{SECRET_LABEL}|{CODE_LABEL}|{ANSWER_LABEL}|code)|AKIA|ASIA|[sr]k_|gh[pousr]_|xox|AIza|-----BEGIN"
    )
    PATTERNS = [
        Pattern("labelled secret, colon", rf"(?i)(?<=\b{SECRET_LABEL}{COLON}){ANY_VALUE}", 0.85),
        Pattern("labelled secret", rf"(?i)(?<=\b{SECRET_LABEL}{SEP}){STRONG_VALUE}", 0.8),
        Pattern("labelled code", rf"(?i)(?<=\b{CODE_LABEL}{SEP})\d{{4,8}}\b", 0.85),
        # "your access code for the portal is 583920": a few words may stand between the label and "is".
        Pattern(
            "labelled code, qualified",
            rf"(?i)(?<=\b{CODE_LABEL}(?:\s+[^\W\d_]+){{1,4}}\s+(?:is|:|ist|est|è|es)\s{{0,2}}:?\s{{0,2}})\d{{4,8}}\b",
            0.8,
        ),
        Pattern(
            "security answer",
            rf"(?i)(?<=\b{ANSWER_LABEL}\s{{0,2}}(?:is|:|=)\s{{0,2}}[\"'“‘]?)"
            r"[^\s\"'”’,.;]{2,40}(?:\s[A-Z][^\s\"'”’,.;]{1,30})?",
            0.8,
        ),
        Pattern(
            "code to verify",
            r"(?<=\bcode\s{1,2})\d{4,8}\b(?=[^\n]{0,40}\b(?:verif|confirm|sign\s+in|log\s*in|authenticat))",
            0.8,
        ),
        Pattern("aws access key", r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b", 0.9),
        Pattern("stripe key", r"\b[sr]k_(?:live|test)_[0-9A-Za-z]{16,}\b", 0.9),
        Pattern("github token", r"\bgh[pousr]_[0-9A-Za-z]{36,}\b", 0.9),
        Pattern("slack token", r"\bxox[baprs]-[0-9A-Za-z\-]{10,}\b", 0.9),
        Pattern("google api key", r"\bAIza[0-9A-Za-z_\-]{35}\b", 0.9),
        Pattern("private key block", r"-----BEGIN (?:RSA |EC |OPENSSH |)PRIVATE KEY-----", 0.95),
    ]
    CONTEXT = ["password", "pin", "code", "token", "key", "secret"]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(
            supported_entity="CREDENTIAL",
            name="CredentialRecognizer",
            patterns=self.PATTERNS,
            context=self.CONTEXT,
            supported_language=supported_language,
        )

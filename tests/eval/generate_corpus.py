"""Generate the synthetic half of the detection corpus: realistic customer-mail sentences, labelled.

Run: .venv/bin/python tests/eval/generate_corpus.py  (writes tests/data/eval/synthetic.txt)

Faker supplies names, cities, postcodes, IBANs, cards and national ids in several locales; the
sentences are the kinds of mail that leak (receipts, contract copies, support replies, newsletters).
Every sample also carries look-alikes that must NOT be reported (order and tracking numbers, invoice
dates, product names, the company's name), so precision is measured, not just recall.
Labels are inline: [[ENTITY_TYPE|value]]; see tools/eval/corpus.py.
"""

from __future__ import annotations

import random
import string
from pathlib import Path

from faker import Faker

OUT = Path(__file__).resolve().parents[1] / "data" / "eval" / "synthetic.txt"
SEED = 20261123
LOCALES = {"en": ["en_US", "en_GB"], "de": ["de_DE", "de_CH"], "fr": ["fr_FR"], "it": ["it_IT"], "es": ["es_ES"]}
STREET_TYPES = {
    "en_US": [
        "Street",
        "St",
        "Avenue",
        "Ave",
        "Road",
        "Rd",
        "Lane",
        "Drive",
        "Dr",
        "Court",
        "Boulevard",
        "Way",
        "Place",
        "Terrace",
        "Circle",
    ],
    "en_GB": ["Street", "Road", "Lane", "Close", "Crescent", "Avenue", "Gardens", "Grove", "Way", "Terrace", "Mews"],
}
PRODUCTS = [
    "Pixel 8",
    "Galaxy S23",
    "iPhone 15 Pro",
    "Surface Laptop",
    "Kindle Paperwhite",
    "ThinkPad X1",
    "Fire TV Stick",
    "AirPods Pro",
    "Echo Dot",
    "Xbox Series S",
]
COMPANIES = ["Acme Telecom", "Northwind Energy", "Contoso Bank", "Globex Insurance", "Initech Mobile"]


def mark(kind: str, value: str) -> str:
    return f"[[{kind}|{value}]]"


class Gen:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.fakers = {loc: Faker(loc) for locs in LOCALES.values() for loc in locs}
        for i, f in enumerate(self.fakers.values()):
            f.seed_instance(SEED + i)

    def f(self, loc: str) -> Faker:
        return self.fakers[loc]

    # -- labelled values ------------------------------------------------------------------------
    def person(self, loc):
        f = self.f(loc)
        return mark("PERSON", f"{f.first_name()} {f.last_name()}")

    def phone(self, loc):
        r = self.rng
        if loc == "en_US":
            a = r.choice([212, 213, 312, 415, 503, 617, 646, 702, 713, 808, 917, 206, 305, 404, 512, 720])
            b, c = r.randint(200, 989), r.randint(1000, 9999)
            v = r.choice([f"({a}) {b}-{c}", f"{a}-{b}-{c}", f"+1 {a} {b} {c}", f"{a}.{b}.{c}"])
        elif loc == "en_GB":
            v = r.choice(
                [
                    f"07{r.randint(100, 999)} {r.randint(100000, 999999)}",
                    f"+44 20 {r.randint(7000, 8999)} {r.randint(1000, 9999)}",
                    f"0161 {r.randint(200, 999)} {r.randint(1000, 9999)}",
                ]
            )
        elif loc == "de_DE":
            v = r.choice(
                [
                    f"+49 30 {r.randint(1000000, 9999999)}",
                    f"0171 {r.randint(1000000, 9999999)}",
                    f"089 {r.randint(100, 999)} {r.randint(1000, 9999)}",
                ]
            )
        elif loc == "de_CH":
            area = r.choice([21, 22, 31, 43, 44, 61, 71, 76, 78, 79])
            v = f"+41 {area} {r.randint(200, 999)} {r.randint(10, 99)} {r.randint(10, 99)}"
        elif loc == "fr_FR":
            v = r.choice(
                [
                    f"0{r.randint(1, 7)} {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)} "
                    f"{r.randint(10, 99)}",
                    f"+33 6 {r.randint(10, 79)} {r.randint(10, 99)} {r.randint(10, 99)} {r.randint(10, 99)}",
                ]
            )
        elif loc == "it_IT":
            v = r.choice(
                [
                    f"+39 3{r.randint(20, 49)} {r.randint(100, 999)} {r.randint(1000, 9999)}",
                    f"06 {r.randint(1000, 9999)} {r.randint(1000, 9999)}",
                ]
            )
        else:
            v = r.choice(
                [
                    f"+34 6{r.randint(10, 99)} {r.randint(100, 999)} {r.randint(100, 999)}",
                    f"91 {r.randint(100, 999)} {r.randint(10, 99)} {r.randint(10, 99)}",
                ]
            )
        return mark("PHONE_NUMBER", v)

    def email(self, loc):
        f = self.f(loc)
        return mark("EMAIL_ADDRESS", f"{f.user_name()}@{f.free_email_domain()}")

    def street(self, loc):
        f, r = self.f(loc), self.rng
        last = f.last_name().split("-")[0].split(" ")[0]
        if loc in STREET_TYPES:
            v = f"{r.randint(1, 9999)} {last} {r.choice(STREET_TYPES[loc])}"
            if loc == "en_US" and r.random() < 0.7:
                v += f", {f.city()}, {f.state_abbr()} {f.postcode()}"
            elif loc == "en_GB" and r.random() < 0.7:
                v += f", {f.city()} {f.postcode()}"
        elif loc in ("de_DE", "de_CH"):
            suffix = r.choice(["strasse", "straße", "weg", "gasse", "platz", "allee"])
            if loc == "de_CH" and suffix == "straße":
                suffix = "strasse"
            v = f"{last}{suffix} {r.randint(1, 199)}"
            if r.random() < 0.7:
                v += f", {f.postcode()} {f.city()}"
        elif loc == "fr_FR":
            v = (
                f"{r.randint(1, 150)} {r.choice(['rue', 'avenue', 'boulevard', 'chemin', 'allée'])} "
                f"{r.choice(['de la', 'du', 'des', ''])} {last}".replace("  ", " ")
            )
            if r.random() < 0.7:
                v += f", {f.postcode()} {f.city()}"
        elif loc == "it_IT":
            v = f"{r.choice(['Via', 'Viale', 'Piazza', 'Corso'])} {last} {r.randint(1, 200)}"
            if r.random() < 0.7:
                v += f", {f.postcode()} {f.city()}"
        else:
            v = f"{r.choice(['Calle', 'Avenida', 'Plaza', 'Paseo'])} {last} {r.randint(1, 200)}"
            if r.random() < 0.7:
                v += f", {f.postcode()} {f.city()}"
        return mark("STREET_ADDRESS", v)

    def dob(self, loc):
        d = self.f(loc).date_of_birth(minimum_age=18, maximum_age=90)
        if loc == "en_US":
            v = self.rng.choice([d.strftime("%m/%d/%Y"), d.strftime("%B %-d, %Y"), d.isoformat()])
        elif loc == "en_GB":
            v = self.rng.choice([d.strftime("%d/%m/%Y"), d.strftime("%-d %B %Y")])
        else:
            v = self.rng.choice([d.strftime("%d.%m.%Y"), d.strftime("%d/%m/%Y")])
        return mark("DATE_OF_BIRTH", v)

    def account(self, loc):
        r = self.rng
        v = r.choice(
            [
                str(r.randint(10**7, 10**10)),
                f"{r.choice(['AC', 'CUST', 'KD', 'CN'])}-{r.randint(10**5, 10**8)}",
                f"{r.randint(1000, 9999)}-{r.randint(1000, 9999)}-{r.randint(100, 999)}",
            ]
        )
        return mark("ACCOUNT_NUMBER", v)

    def iban(self, loc):
        raw = self.f(loc).iban()
        v = raw if self.rng.random() < 0.5 else " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))
        return mark("IBAN_CODE", v)

    def card(self, loc):
        raw = self.f(loc).credit_card_number(card_type=self.rng.choice(["visa16", "mastercard", "amex"]))
        if len(raw) == 16 and self.rng.random() < 0.6:
            raw = " ".join(raw[i : i + 4] for i in range(0, 16, 4))
        return mark("CREDIT_CARD", raw)

    def ssn(self, loc):
        return mark("US_SSN", self.fakers["en_US"].ssn())

    def credential(self, loc):
        r = self.rng
        pwd = "".join(r.choice(string.ascii_letters + string.digits) for _ in range(r.randint(8, 12)))
        pwd = pwd[:3] + r.choice("!#$%&*") + pwd[3:] + str(r.randint(0, 9))
        return mark("CREDENTIAL", pwd)

    def pin(self, loc):
        return mark("CREDENTIAL", str(self.rng.randint(1000, 999999)))

    def ahv(self, loc):
        return mark("CH_AHV", self.fakers["de_CH"].ssn())

    def fiscal(self, loc):
        return mark("IT_FISCAL_CODE", self.fakers["it_IT"].ssn())

    def nif(self, loc):
        return mark("ES_NIF", self.fakers["es_ES"].nif())

    def nino(self, loc):
        r = self.rng
        first = "GB"
        while first in {"BG", "GB", "NK", "KN", "NT", "TN", "ZZ"}:
            first = r.choice("ABCEHJKLMNOPRSTWXYZ") + r.choice("ABCEHJKLMNPRSTWXYZ")
        digits = f"{r.randint(0, 999999):06d}"
        v = r.choice(
            [
                f"{first}{digits}{r.choice('ABCD')}",
                f"{first} {digits[:2]} {digits[2:4]} {digits[4:]} {r.choice('ABCD')}",
            ]
        )
        return mark("UK_NINO", v)

    # -- look-alikes (unlabelled) ---------------------------------------------------------------
    def order(self, loc):
        r = self.rng
        return r.choice(
            [
                f"{r.randint(100, 999)}-{r.randint(10, 99)}-{r.randint(1000, 9999)}",
                str(r.randint(10**9, 10**10 - 1)),
                f"#{r.randint(100000, 999999)}",
                f"A{r.randint(10**6, 10**7)}",
            ]
        )

    def tracking(self, loc):
        r = self.rng
        return r.choice(
            [
                f"1Z{r.randint(100, 999)}AA1{r.randint(10**9, 10**10 - 1)}",
                f"JD{r.randint(10**15, 10**16 - 1)}",
                f"TBA{r.randint(10**11, 10**12 - 1)}",
            ]
        )

    def date(self, loc):
        return (
            self.f(loc)
            .date_between(start_date="-1y", end_date="+1y")
            .strftime("%m/%d/%Y" if loc == "en_US" else "%d.%m.%Y")
        )

    def product(self, loc):
        return self.rng.choice(PRODUCTS)

    def company(self, loc):
        return self.rng.choice(COMPANIES)

    def amount(self, loc):
        return f"{self.rng.randint(5, 900)}.{self.rng.randint(0, 99):02d}"


TEMPLATES: dict[str, list[str]] = {
    "en": [
        "Hi {person}, thanks for your order {order} of a {product}. It ships to {street} and the tracking "
        "number is {tracking}.",
        "Receipt from {company}: {product}, total ${amount}, paid with card {card} on {date}.",
        "Your {company} contract is attached. Customer: {person}, date of birth {dob}, account number "
        "{account}. Billing address: {street}.",
        "As requested, here are the details we hold: phone {phone}, email {email}, address {street}.",
        "Dear {person}, your new SIM is active. Your PIN: {pin}. Keep it private.",
        "Please update your direct debit. The IBAN we have on file is {iban}.",
        "For verification we need the SSN on the application: {ssn}. Order {order} remains on hold.",
        "Your temporary password is {credential} - please change it after logging in.",
        "Thanks for calling {company}. Your agent today was {person}; if you need anything else call us "
        "back on {phone}.",
        "Hello, I'm writing about account {account}. The holder, {person}, moved to {street} last month.",
        "Our spring newsletter: new {product} deals, store hours, and a birthday gift for members. "
        "Invoice {order} dated {date} is available online.",
        "Forwarding the lease for {person} (DOB {dob}) and {person}. Lessee phone: {phone}.",
        "Your verification code is {pin}. It expires in 10 minutes. Reference {order}.",
        "Employee record: {person}, National Insurance number {nino}, start date {date}.",
        "Package {tracking} was delivered to {street} on {date}. Questions? Reply to this email.",
        "Refund of ${amount} issued to card {card}. Order {order} is now closed.",
        "Please find attached the welcome pack. Your membership number is {account} and your login is {email}.",
        "Hi team, can someone call {person} at {phone} about the {product} repair (case {order})?",
        "Confirmed: appointment on {date} at our store. Bring your {product} and order confirmation {order}.",
        "The Lessee shall pay the rent to the Lessor into IBAN {iban} by the first of each month.",
    ],
    "de": [
        "Sehr geehrte Frau {person}, Ihre Bestellung {order} wird an {street} geliefert.",
        "Ihre Kundennummer lautet {account}. Geburtsdatum: {dob}. Rückfragen unter {phone}.",
        "Bitte überweisen Sie den Betrag auf IBAN {iban}. Rechnung {order} vom {date}.",
        "Ihre AHV-Nummer {ahv} wurde im Vertrag vermerkt. Wohnadresse: {street}.",
        "Ihr neues Passwort: {credential}. Bitte ändern Sie es nach der ersten Anmeldung.",
    ],
    "fr": [
        "Bonjour, votre commande {order} sera livrée au {street}. Contact : {phone}.",
        "Votre numéro de client est {account} et votre date de naissance {dob}.",
        "Merci de régler la facture {order} sur le compte IBAN {iban} avant le {date}.",
        "Votre code de vérification est {pin}. Ne le communiquez à personne.",
        "Pour toute question, écrivez à {email} ou appelez le {phone}.",
    ],
    "it": [
        "Gentile cliente, il suo codice fiscale {fiscal} è stato registrato. Indirizzo: {street}.",
        "La fattura {order} del {date} è disponibile. Per informazioni chiami il {phone}.",
        "Il suo numero cliente è {account}; data di nascita {dob}.",
        "Il pagamento avverrà tramite IBAN {iban}. Numero AHV del dipendente: {ahv}.",
    ],
    "es": [
        "Estimado cliente, su pedido {order} se enviará a {street}. Teléfono: {phone}.",
        "Su NIF {nif} y su fecha de nacimiento {dob} constan en el contrato.",
        "Su número de cliente es {account}. Factura {order} del {date}.",
        "Puede pagar con la tarjeta {card} o mediante IBAN {iban}.",
    ],
}


def main(per_language: dict[str, int] | None = None) -> None:
    rng = random.Random(SEED)
    gen = Gen(rng)
    counts = per_language or {"en": 300, "de": 60, "fr": 60, "it": 50, "es": 50}
    lines: list[str] = []
    for lang, n in counts.items():
        for i in range(n):
            template = TEMPLATES[lang][i % len(TEMPLATES[lang])]
            loc = rng.choice(LOCALES[lang])
            text = template
            while "{" in text:
                start = text.index("{")
                end = text.index("}", start)
                slot = text[start + 1 : end]
                text = text[:start] + getattr(gen, slot)(loc) + text[end + 1 :]
            lines.append(f"{lang}\t{text}")
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {len(lines)} samples to {OUT}")


if __name__ == "__main__":
    main()

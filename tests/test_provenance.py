"""Template provenance: the renderer says where each value came from, and the fast path built on it finds
what analysing every message whole finds (`dlp.provenance`, `dlp.analysis.provenance`)."""

from __future__ import annotations

import json
import random
from collections import Counter
from pathlib import Path

import pytest
from conftest import EXAMPLES, write_campaign

from dlp.api import preflight
from dlp.campaign import load_campaign
from dlp.provenance import COLUMN, COMPUTED, CONSTANT
from dlp.render import CampaignRenderer, render_campaign
from dlp.reporters.sarif_report import report_dict
from dlp.valueindex import luhn_valid

CAMPAIGN = """
name: provenance
from: "Acme <news@acme.example>"
to: "{{ email }}"
subject: "{{ first_name }}, your {{ plan }} statement"
vars:
  help_line: "+1 415 555 0100"
body:
  text: body.txt.j2
  html: body.html.j2
recipients: people.csv
internal_domains: [acme.example]
"""

TEXT = """\
Hi {{ first_name }},

{% if plan == "Family" %}Your family plan covers {{ members | default("two") }} people.
{% else %}Your {{ plan | lower }} plan is active.
{% endif %}Account number: {{ account }}
Date of birth: {{ dob }}
{% set greeting %}Thanks, {{ first_name }}{% endset %}{{ greeting }} ({{ greeting | length }} characters)
{% for item in ["points", "vouchers"] %}- {{ item | title }}: {{ loop.index * 3 }}
{% endfor %}Phone on file: {{ phone }}
Note from your adviser: {{ note }}
Questions? Call {{ help_line }}.
Unsubscribe: https://acme.example/u?t={{ token }}
"""

HTML = """\
<html><body>
<p>Hello {{ first_name }} {{ last_name }},</p>
<table><tr><td>Card on file</td><td>{{ card }}</td></tr>
<tr><td>Address</td><td>{{ street }}, {{ city }}</td></tr></table>
<p title="{{ plan }} plan">{{ note | truncate(60) }}</p>
<p><a href="https://acme.example/u?t={{ token }}">Unsubscribe</a></p>
</body></html>
"""

FIRST = ["Anna", "Ben", "Chloe", "David", "Emma", "Felix", "Grace", "Hugo", "Iris", "Jonas", "Mia", "Noah"]
LAST = ["Meyer", "Olsen", "Brown", "Rossi", "Garcia", "Novak", "Smith", "Jansen", "Murphy", "Schmidt"]
NOTES = [
    "All good, nothing to add.",
    "Please call Maria Gonzalez about the renewal.",
    "Your adviser Peter Lindqvist moved to the Boston office.",
    "Send the papers to 742 Evergreen Terrace, Springfield.",
    "Reference 123-45-6789 was used by mistake.",
    "Ask for Dr. Helen Park at the clinic.",
    "No changes this month.",
]
CARDS = ["4111 1111 1111 1111", "5500 0000 0000 0004", "3400 000000 00009", "6011 0000 0000 0004"]


def _people(rows: int, seed: int = 15) -> str:
    rng = random.Random(seed)
    lines = ["email,first_name,last_name,plan,members,account,dob,phone,note,token,card,street,city"]
    for i in range(rows):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        lines.append(
            ",".join(
                [
                    f"{first.lower()}.{last.lower()}.{i}@example.com",
                    first,
                    last,
                    rng.choice(["Basic", "Plus", "Family"]),
                    str(rng.randint(2, 6)),
                    f"AC-{rng.randint(100000, 999999)}",
                    f"{rng.randint(1, 28):02d}/{rng.randint(1, 12):02d}/{rng.randint(1950, 2001)}",
                    f"(415) 555-{rng.randint(1000, 9999)}",
                    f'"{rng.choice(NOTES)}"',
                    f"{rng.getrandbits(64):016x}",
                    rng.choice(CARDS) if i % 5 == 0 else "",
                    f"{rng.randint(1, 999)} {rng.choice(['Oak', 'Maple', 'Pine'])} Street",
                    rng.choice(["Portland", "Madison", "Austin"]),
                ]
            )
        )
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def varied(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("varied")
    return write_campaign(directory, CAMPAIGN, {"body.txt.j2": TEXT, "body.html.j2": HTML, "people.csv": _people(40)})


def _messages(path: Path, limit: int = 3) -> list:
    campaign = load_campaign(path)
    renderer = CampaignRenderer(campaign)
    out = []
    for message in render_campaign(campaign, renderer):
        out.append(message)
        if len(out) >= limit:
            break
    return out


def _plain_render(path: Path, index: int) -> dict[str, str]:
    """The same message rendered by a renderer whose templates carry no markers at all."""
    campaign = load_campaign(path)
    renderer = CampaignRenderer(campaign)
    renderer.env.slot_table = None  # marking off for everything compiled from here on
    for template in (*renderer.body_templates.values(), renderer.subject_template):
        template.marking = False
        template.template = renderer._plain_template(template)
    for i, message in enumerate(render_campaign(campaign, renderer)):
        if i == index:
            return {p.field: p.text for p in message.parts} | {f"{p.field}.raw": p.raw for p in message.parts if p.raw}
    raise AssertionError("no such message")


# ---- the renderer ---------------------------------------------------------------------------------------


def test_rendered_text_is_exactly_the_unmarked_render(varied: Path) -> None:
    for index, message in enumerate(_messages(varied, 5)):
        plain = _plain_render(varied, index)
        for part in message.parts:
            assert part.text == plain[part.field]
            assert "\ue000" not in part.text and "\ue002" not in (part.raw or "")
            if part.raw:
                assert part.raw == plain[f"{part.field}.raw"]
        body = next(p for p in message.parts if p.field == "body.text")
        # A captured block measured by the template: markers must not change its length.
        greeting = f"Thanks, {message.recipient.columns['first_name']}"
        assert f"{greeting} ({len(greeting)} characters)" in body.text


def test_value_spans_name_their_expression_and_kind(varied: Path) -> None:
    message = _messages(varied, 1)[0]
    row = message.recipient.columns
    body = next(p for p in message.parts if p.field == "body.text")
    spans = {body.text[s.start : s.end]: s for s in body.provenance.spans}
    account = spans[row["account"]]
    assert account.kind == COLUMN and account.variable == "account"
    assert (account.slot.template, account.slot.line, account.slot.column) == ("body.txt.j2", 5, 28)
    assert account.slot.expression == "account"
    assert spans["+1 415 555 0100"].kind == CONSTANT  # `vars:` are the sender's own text
    assert spans["Points"].kind == COMPUTED and spans["Points"].slot.expression == "item | title"
    # Literal text carries no span: "Account number:" is the template's.
    start = body.text.index("Account number:")
    assert body.provenance.is_literal(start, start + len("Account number:"))
    html = next(p for p in message.parts if p.field == "body.html")
    assert html.provenance is not None, "HTML-to-text kept the value spans"
    assert {html.text[s.start : s.end] for s in html.provenance.spans} >= {row["first_name"], row["city"]}
    subject = next(p for p in message.parts if p.field == "Subject")
    assert subject.provenance.spans[0].slot.template == "campaign.yaml"


def _only_part(tmp_path: Path, kind: str, template: str, first_name: str):
    """The `body.<kind>` part of a one-row campaign whose first_name is `first_name`."""
    files = {"text": "body.txt.j2", "html": "body.html.j2"}
    other = "html" if kind == "text" else "text"
    people = f'email,first_name,plan\nx@example.com,"{first_name}",Plus\n'
    campaign = CAMPAIGN.replace(f"  {other}: {files[other]}\n", "")
    path = write_campaign(tmp_path / "c", campaign, {files[kind]: template, "people.csv": people})
    return next(p for p in _messages(path, 1)[0].parts if p.field == f"body.{kind}")


def test_a_value_carrying_marker_characters_renders_exactly_without_provenance(tmp_path: Path) -> None:
    body = _only_part(tmp_path, "text", "Hi {{ first_name }}, {{ plan }}\n", "An\ue000na\ue002")
    assert body.text == "Hi An\ue000na\ue002, Plus\n" and body.provenance is None


def test_html_escaping_keeps_spans_on_the_visible_value(tmp_path: Path) -> None:
    html = _only_part(tmp_path, "html", "<p>Hi {{ first_name }}!</p>\n", "Tom <b>&</b> Jerry")
    assert "&lt;b&gt;" in html.raw and html.text == "Hi Tom <b>&</b> Jerry!"
    (span,) = html.provenance.spans
    assert html.text[span.start : span.end] == "Tom <b>&</b> Jerry"


# ---- the fast path against the straightforward one -----------------------------------------------------


def _findings(path: Path, monkeypatch: pytest.MonkeyPatch, straightforward: bool):
    if straightforward:
        monkeypatch.setenv("DLP_STRAIGHTFORWARD", "1")
    else:
        monkeypatch.delenv("DLP_STRAIGHTFORWARD", raising=False)
    monkeypatch.setenv("DLP_WORKERS", "0")
    report = preflight(path)
    names: Counter = Counter()
    others: Counter = Counter()
    for finding in report.findings:
        key = (finding.rule, finding.entity_type, finding.location.field, finding.value, finding.origin, finding.count)
        (names if finding.entity_type == "PERSON" else others)[key] += 1
    return report, names, others


@pytest.mark.parametrize("campaign", ["varied", "lease"])
def test_fast_path_finds_what_whole_message_analysis_finds(
    campaign: str, varied: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = varied if campaign == "varied" else EXAMPLES / "lease-contract" / "campaign.yaml"
    fast_report, fast_names, fast = _findings(path, monkeypatch, straightforward=False)
    slow_report, slow_names, slow = _findings(path, monkeypatch, straightforward=True)
    assert fast == slow  # every finding but spaCy's names: identical
    assert fast_report.verdict == slow_report.verdict
    total = max(1, sum(slow_names.values()))
    assert sum((fast_names - slow_names).values()) + sum((slow_names - fast_names).values()) <= max(1, 0.015 * total)
    notes = " ".join(fast_report.notes)
    assert "Analysis by template provenance" in notes
    if campaign == "varied":
        assert sum(slow.values()) >= 5, "the varied campaign must have findings to compare"
        assert "Analysed by line windows" not in notes  # every part of it was traced


def test_injected_value_is_located_in_its_template(varied: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DLP_WORKERS", "0")
    report = preflight(varied)
    dob = [f for f in report.findings if f.entity_type == "DATE_OF_BIRTH"]
    assert dob and dob[0].origin == "variable:dob"
    location = dob[0].location
    assert (location.template, location.template_line, location.template_column) == ("body.txt.j2", 6, 16)
    shown = dob[0].to_dict(show_values=False)["location"]
    assert shown["template"] == "body.txt.j2" and shown["template_line"] == 6
    sarif = report_dict(report)
    results = [r for r in sarif["runs"][0]["results"] if r["properties"].get("entity_type") == "DATE_OF_BIRTH"]
    physical = results[0]["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"].endswith("body.txt.j2")
    assert physical["region"] == {"startLine": 6, "startColumn": 16}
    json.dumps(sarif)


# ---- the column pass: Luhn-valid tokens are chance, cards are cards ---------------------------------------


def _digit_tokens(rows: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    out = []
    while len(out) < rows:
        token = "4" + "".join(rng.choice("0123456789") for _ in range(15))  # Visa-shaped, Luhn by chance
        out.append(token)
    return out


def test_luhn_valid_tokens_do_not_block_but_a_card_column_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DLP_WORKERS", "0")
    tokens = _digit_tokens(60, 3)
    assert 2 <= sum(luhn_valid(t) for t in tokens) <= 15  # some pass Luhn, by chance
    people = "email,first_name,plan,code\n" + "".join(f"p{i}@example.com,Anna,Plus,{t}\n" for i, t in enumerate(tokens))
    campaign = CAMPAIGN.replace("  html: body.html.j2\n", "")
    path = write_campaign(
        tmp_path / "tokens",
        campaign,
        {"body.txt.j2": "Hi {{ first_name }},\nyour code: {{ code }}\n", "people.csv": people},
    )
    report = preflight(path)
    assert not [f for f in report.findings if f.entity_type == "CREDIT_CARD"]
    shapes = report.sections["recipient-columns"]["shapes"]
    assert "chance: not cards" in shapes["code"]

    cards = [t for t in _digit_tokens(400, 4) if luhn_valid(t)][:20]
    people = "email,first_name,plan,code\n" + "".join(f"p{i}@example.com,Anna,Plus,{t}\n" for i, t in enumerate(cards))
    path = write_campaign(
        tmp_path / "cards",
        campaign,
        {"body.txt.j2": "Hi {{ first_name }},\nyour code: {{ code }}\n", "people.csv": people},
    )
    report = preflight(path)
    assert len([f for f in report.findings if f.entity_type == "CREDIT_CARD"]) >= 1
    assert report.verdict == "block"


# ---- cheaper analysis: spaCy without the components only lemmas need -------------------------------------


def test_trimmed_pipeline_finds_the_same_names_as_the_whole_model() -> None:
    """NER of en_core_web_sm has its own embedding layer: without tok2vec, tagger, attribute ruler and
    lemmatizer every entity of the eval corpus is the same (only Presidio's lemmas become lower-cased words)."""
    import spacy

    from dlp.detect.engine import DEFAULT_MODEL
    from dlp.detect.nlp import UNUSED_COMPONENTS, trimmed
    from dlp.evaluate import DEFAULT_CORPUS, load_corpus

    texts = [s.text for s in load_corpus(sorted(DEFAULT_CORPUS.glob("*.txt"))) if s.language == "en"]
    whole = spacy.load(DEFAULT_MODEL, exclude=UNUSED_COMPONENTS)
    lean = trimmed(spacy.load(DEFAULT_MODEL, exclude=UNUSED_COMPONENTS))
    assert lean.pipe_names == ["dlp_lower_lemma", "ner"] and "tagger" in whole.pipe_names
    entities = [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in whole.pipe(texts)]
    assert len(texts) >= 450 and sum(map(len, entities)) >= 200
    assert [[(e.start_char, e.end_char, e.label_) for e in doc.ents] for doc in lean.pipe(texts)] == entities
    assert [t.lemma_ for t in lean("She was born in Madison")] == ["she", "was", "born", "in", "madison"]


def test_report_names_the_parts_analysed_without_provenance(monkeypatch: pytest.MonkeyPatch) -> None:
    """Another platform's template language has no provenance yet: its parts fall back to line windows,
    and the report says which."""
    monkeypatch.setenv("DLP_WORKERS", "0")
    report = preflight(EXAMPLES / "mailchimp-export" / "campaign.yaml")
    (fallback,) = [n for n in report.notes if n.startswith("Analysed by line windows")]
    assert "body.text" in fallback and "Subject" in fallback


def test_values_inside_tags_and_references_keep_the_exact_visible_text(tmp_path: Path) -> None:
    """A value used as a tag name or cut into a character reference changes how the markup parses:
    such a render is read from the unmarked HTML (exact), its values in text still traced when they agree."""
    from dlp.htmltext import visible_text

    template = '<p title="{{ first_name }} card">Hi &{{ plan }} {{ first_name }}</p><{{ plan }}>x</{{ plan }}>\n'
    html = _only_part(tmp_path, "html", template, "amp;Tom")
    assert html.text == visible_text(html.raw)
    assert "\ue000" not in html.text and "<" not in html.text

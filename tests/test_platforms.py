"""Campaigns as other platforms write them: nine template languages, audience exports, leftover tags.

Each syntax has a realistic campaign under tests/data/platforms/<syntax>/ (modelled on the platform's
documented syntax; the Handlebars one is SendGrid's published receipt template, unchanged). On its clean
audience it pre-flights with no finding; a card number or a date of birth planted in a recipient field
that the template prints is blocked, whatever engine rendered it.
"""

from __future__ import annotations

import csv
import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import write_campaign

from dlp.api import preflight
from dlp.checks import load_ruleset
from dlp.errors import InputError

DATA = Path(__file__).parent / "data"
PLATFORMS = DATA / "platforms"
THIRD_PARTY = DATA / "third_party"
CARD = "4111 1111 1111 1111"
DOB = "date of birth 12/03/1984"

# syntax -> (recipient file, column the template prints, key inside a JSON column or None)
PLANT = {
    "jinja": ("contacts.csv", "City", None),
    "liquid": ("users.csv", "city", None),
    "handlebars": ("orders.jsonl", "address02", None),
    "mustache": ("winners.jsonl", "state", None),
    "mailchimp": ("subscribed_members_export.csv", "City", None),
    "mautic": ("contacts.csv", "city", None),
    "ampscript": ("members_de.csv", "City", None),
    "brevo": ("contacts_export.csv", "CITY", None),
    "go": ("subscribers.csv", "attributes", "city"),
}


def copy_platform(syntax: str, tmp_path: Path) -> Path:
    """The fixture folder with a copy of tests/data/third_party inside it: files a campaign names must be
    inside its folder (dlp.safepath), so the published templates are reached as `third_party/...`."""
    target = tmp_path / "platforms" / syntax
    shutil.copytree(PLATFORMS / syntax, target)
    shutil.copytree(THIRD_PARTY, target / "third_party")
    return target


def platform_campaign(syntax: str, tmp_path: Path) -> Path:
    """The fixture campaign, copied when it uses the vendored published templates."""
    if "third_party/" in (PLATFORMS / syntax / "campaign.yaml").read_text(encoding="utf-8"):
        return copy_platform(syntax, tmp_path) / "campaign.yaml"
    return PLATFORMS / syntax / "campaign.yaml"


def plant(folder: Path, syntax: str, value: str, row: int = 1) -> None:
    name, column, key = PLANT[syntax]
    path = folder / name
    if name.endswith(".jsonl"):
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        rows[row][column] = value
        path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
        return
    text = path.read_text(encoding="utf-8")
    delimiter = ";" if text.split("\n", 1)[0].count(";") > text.split("\n", 1)[0].count(",") else ","
    rows = list(csv.DictReader(text.splitlines(), delimiter=delimiter))
    if key is None:
        rows[row][column] = value
    else:
        inner = json.loads(rows[row][column])
        inner[key] = value
        rows[row][column] = json.dumps(inner)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter=delimiter)
        writer.writeheader()
        writer.writerows(rows)


@pytest.mark.parametrize("syntax", sorted(PLANT))
def test_real_template_of_each_syntax_preflights_clean(syntax: str, tmp_path: Path) -> None:
    report = preflight(platform_campaign(syntax, tmp_path))
    assert report.findings == [], [(f.rule, f.message) for f in report.findings]
    assert report.verdict == "pass" and report.messages == 5
    assert any(note.startswith(f"Template syntax: {syntax} (") for note in report.notes), report.notes


@pytest.mark.parametrize("syntax", sorted(PLANT))
@pytest.mark.parametrize(("value", "entity"), [(CARD, "CREDIT_CARD"), (DOB, "DATE_OF_BIRTH")])
def test_planted_card_or_birth_date_is_blocked_in_every_syntax(
    syntax: str, value: str, entity: str, tmp_path: Path
) -> None:
    folder = copy_platform(syntax, tmp_path)
    plant(folder, syntax, value, row=2)
    report = preflight(folder / "campaign.yaml")
    assert report.verdict == "block"
    found = [f for f in report.findings if f.rule == "sensitive-data" and f.entity_type == entity]
    assert found, [(f.rule, f.entity_type, f.message) for f in report.findings]
    assert all(f.location.message == 2 for f in found)  # only the planted row's message
    assert all((f.origin or "").startswith("variable:") for f in found)  # injected by a column, not the template


def test_mautic_birth_date_token_is_rendered_and_blocked(campaign_dir: Path) -> None:
    """The issue's case: `{contactfield=dob}` used to pass because the token was never rendered."""
    campaign = """
    name: Birthday
    from: "Acme <hello@acme.example>"
    to: "{contactfield=email}"
    subject: "Happy birthday, {contactfield=firstname}"
    body:
      text: body.txt
    recipients: contacts.csv
    """
    body = "Hi {contactfield=firstname},\n\nour records say you were born on {contactfield=dob}. Enjoy your day!\n"
    files = {"body.txt": body, "contacts.csv": "firstname,lastname,email,dob\nAnna,Meyer,anna@example.org,1984-03-12\n"}
    report = preflight(write_campaign(campaign_dir, campaign, files))
    assert report.verdict == "block"
    (finding,) = [f for f in report.findings if f.entity_type == "DATE_OF_BIRTH"]
    assert finding.origin == "variable:dob" and finding.rule == "sensitive-data"


# ---- the rendering itself --------------------------------------------------------------------------


def rendered(report_path: Path, row: int = 1) -> str:
    from dlp.preview import preview

    return preview(report_path, row).text


def test_mailchimp_export_columns_reach_merge_tags_and_platform_tags_are_placeholders() -> None:
    text = rendered(PLATFORMS / "mailchimp" / "campaign.yaml", row=1)
    assert "To: Anna Meyer <anna.meyer@example.com>" in text  # *|FNAME|* -> First Name, *|EMAIL|* -> Email Address
    assert "early access" in text and "AUTUMN10" not in text  # *|IF:MEMBER_RATING>=4|*
    assert "Acme Outdoors, 400 Harbor Way, Portland" in text  # *|LIST:ADDRESSLINE|* from vars:
    assert "https://mail.example.com/unsubscribe" in text  # *|UNSUB|*
    assert "*|" not in text.split("\n", 1)[1]  # the first line names the syntax
    third = rendered(PLATFORMS / "mailchimp" / "campaign.yaml", row=3)
    assert "Hi Carla," in third  # *|TITLE:FNAME|*
    fifth = rendered(PLATFORMS / "mailchimp" / "campaign.yaml", row=5)
    assert "Hi there," in fifth  # *|IF:FNAME|* on an empty first name


def test_each_engine_renders_what_its_documentation_says(tmp_path: Path) -> None:
    go = rendered(PLATFORMS / "go" / "campaign.yaml", row=2)
    assert "Namaste" in go and "Hi Ben," in go
    go4 = rendered(PLATFORMS / "go" / "campaign.yaml", row=4)
    assert "gpx-tools" in go4 and "peak-db" in go4
    assert "Hello Anna," in rendered(PLATFORMS / "ampscript" / "campaign.yaml", row=1)
    assert "Hello," in rendered(PLATFORMS / "ampscript" / "campaign.yaml", row=3)  # IF Empty(@firstName)
    assert "Well, 6000 dollars, after taxes." in rendered(PLATFORMS / "mustache" / "campaign.yaml", row=1)
    assert "No state taxes apply in Colorado." in rendered(PLATFORMS / "mustache" / "campaign.yaml", row=2)
    assert "Hi there," in rendered(PLATFORMS / "mautic" / "campaign.yaml", row=5)  # {contactfield=firstname|there}
    assert "Portland store" in rendered(PLATFORMS / "brevo" / "campaign.yaml", row=1)  # |capfirst
    liquid = rendered(PLATFORMS / "liquid" / "campaign.yaml", row=2)
    assert "180 points away from Gold" in liquid and "Denver" in liquid
    receipt = rendered(platform_campaign("handlebars", tmp_path), row=1)
    assert "Trail shoes" in receipt and "Wool socks" in receipt and "$101.00" in receipt
    assert "Acme Store" in receipt and "[Sender_Name]" not in receipt  # SendGrid's own tags


@pytest.mark.parametrize(
    ("syntax", "body", "expected"),
    [
        ("jinja", "Hi {{ first_name }} {{ nickname }}, {{ city }} {{ plan }}", {"nickname", "plan"}),
        ("liquid", "Hi {{ first_name }} {{ nickname }}, {{ city }} {{ plan | upcase }}", {"nickname", "plan"}),
        ("handlebars", "Hi {{first_name}} {{nickname}}, {{#if vip}}x{{/if}} {{plan}}", {"nickname", "plan"}),
        ("mustache", "Hi {{first_name}} {{nickname}}, {{#vip}}x{{/vip}} {{plan}}", {"nickname", "plan"}),
        ("mailchimp", "Hi *|FNAME|* *|NICKNAME|*, *|IF:VIP|*x*|END:IF|* *|PLAN|*", {"NICKNAME", "PLAN"}),
        ("mautic", "Hi {contactfield=firstname} {contactfield=nickname} {contactfield=plan}", {"nickname", "plan"}),
        ("ampscript", "Hi %%FirstName%% %%Nickname%% %%=v(@plan)=%%", {"Nickname", "@plan"}),
        ("brevo", "Hi {{ contact.FIRSTNAME }} {{ contact.NICKNAME }} {{ params.PLAN }}", {"NICKNAME", "PLAN"}),
        ("go", "Hi {{ .Subscriber.FirstName }} {{ .Subscriber.Attribs.nickname }} {{ .Plan }}",
         {".Subscriber.Attribs.nickname", ".Plan"}),
    ],
)  # fmt: skip
def test_every_undefined_variable_is_reported_not_only_the_first(
    syntax: str, body: str, expected: set[str], campaign_dir: Path
) -> None:
    campaign = f"""
    name: t
    from: "Acme <news@acme.example>"
    to: "someone@example.org"
    subject: "News"
    syntax: {syntax}
    body:
      text: body.txt
    recipients: people.csv
    """
    files = {"body.txt": body + "\n", "people.csv": "email,First Name,city\nann@example.org,Ann,Oslo\n"}
    report = preflight(write_campaign(campaign_dir, campaign, files))
    found = {f.extra.get("variable") for f in report.findings if f.rule == "template-error"}
    assert found == expected, [f.message for f in report.findings]
    assert report.verdict == "block"


@pytest.mark.parametrize(
    ("syntax", "body", "said"),
    [
        ("handlebars", "{{> footer}}", "partials"),
        ("mustache", "{{> footer}}", "partials"),
        ("mailchimp", "*|INTERESTED:Colors:Green|*x*|END:INTERESTED|*", "not supported"),
        ("mailchimp", "*|IF:FNAME|* no end", "END:IF"),
        ("mautic", '{dynamiccontent="Dynamic Content 1"}', "dynamic content"),
        ("ampscript", '%%[ SET @x = Lookup("Members", "Tier", "Key", _subscriberkey) ]%%', "Lookup"),
        ("ampscript", "%%[ FOR @i = 1 TO 3 DO ]%%x%%[ NEXT @i ]%%", "FOR loops"),
        ("go", '{{ template "footer" . }}', "template"),
        ("go", '{{ L.T "email.optin.confirm" }}', "L.T"),
        ("handlebars", "{{ name.__class__ }}", "'_'"),
        ("liquid", "{% if x %}", "Liquid"),
        ("liquid", "{% include 'footer' %}", "paste that snippet"),
        ("liquid", "{{content_blocks.${footer}}}", "content_blocks.footer"),
    ],
)
def test_unsupported_constructs_are_named_with_exit_2(syntax: str, body: str, said: str, campaign_dir: Path) -> None:
    campaign = f"""
    name: t
    from: "Acme <news@acme.example>"
    to: "someone@example.org"
    subject: "News"
    syntax: {syntax}
    body:
      text: body.txt
    recipients: people.csv
    """
    path = write_campaign(
        campaign_dir, campaign, {"body.txt": body + "\n", "people.csv": "email,name\na@example.org,A\n"}
    )
    with pytest.raises(InputError) as caught:
        preflight(path)
    message = str(caught.value)
    assert said in message and "body.txt" in message and f"({syntax})" in message


def test_render_budget_ends_runaway_loops_as_a_render_error(campaign_dir: Path) -> None:
    campaign = """
    name: t
    from: "Acme <news@acme.example>"
    to: "someone@example.org"
    subject: "News"
    body:
      text: body.liquid
    recipients: people.csv
    """
    body = "{% for i in (1..100000) %}{% for j in (1..100000) %}x{% endfor %}{% endfor %}\n"
    report = preflight(
        write_campaign(campaign_dir, campaign, {"body.liquid": body, "people.csv": "email\na@example.org\n"})
    )
    (finding,) = [f for f in report.findings if f.rule == "template-error"]
    assert "limit" in finding.message or "budget" in finding.message


# ---- audience exports ------------------------------------------------------------------------------

NEWSLETTER = """
name: t
from: "Acme <news@acme.example>"
to: "{{ %(email)s }}"
subject: "News for {{ %(first)s }}"
body:
  text: body.txt.j2
recipients: people.csv
"""
BODY = "Dear {{ %(first)s }} {{ %(last)s }},\n\nthanks for reading our newsletter this month.\n\nThe Acme team\n"
NAMES = [("Maria", "Gonzalez"), ("Liam", "Oconnor"), ("Sofia", "Rossi"), ("Noah", "Becker"), ("Emma", "Larsen"),
         ("Lucas", "Martin"), ("Olivia", "Jensen"), ("Mateo", "Silva"), ("Chloe", "Dubois"),
         ("Hugo", "Schmidt")]  # fmt: skip


@pytest.mark.parametrize(
    ("email", "first", "last", "first_var", "last_var"),
    [
        ("email", "first_name", "last_name", "first_name", "last_name"),
        ("Email", "FirstName", "LastName", "FirstName", "LastName"),
        ("EMAIL", "FNAME", "LNAME", "FNAME", "LNAME"),
        ("Email Address", "First Name", "Last Name", "first_name", "last_name"),  # normalised names
    ],
)
def test_header_casing_never_changes_the_verdict(
    email: str, first: str, last: str, first_var: str, last_var: str, campaign_dir: Path
) -> None:
    rows = "".join(f"{f.lower()}.{la.lower()}@example.org,{f},{la}\n" for f, la in NAMES)
    email_var = email if " " not in email else "email_address"
    files = {
        "body.txt.j2": BODY % {"first": first_var, "last": last_var},
        "people.csv": f"{email},{first},{last}\n{rows}",
    }
    report = preflight(write_campaign(campaign_dir, NEWSLETTER % {"email": email_var, "first": first_var}, files))
    assert report.findings == [], [(f.rule, f.message) for f in report.findings]


def test_mailchimp_export_is_classified_without_configuration() -> None:
    from dlp.campaign import load_campaign
    from dlp.valueindex import IndexSettings, build_index

    recipients = load_campaign(PLATFORMS / "mailchimp" / "campaign.yaml").recipient_list()
    assert recipients.schema.email_column == "Email Address"
    assert recipients.schema.identity_columns == ("First Name", "Last Name")
    profiles = {p.name: p for p in build_index(recipients, IndexSettings(), None).profiles}
    assert profiles["Email Address"].kind == "EMAIL_ADDRESS"
    assert profiles["First Name + Last Name"].kind == "PERSON"
    for internal in ("LEID", "EUID", "MEMBER_RATING", "OPTIN_TIME", "LAST_CHANGED"):
        assert not profiles[internal].indexed, internal  # the platform's bookkeeping, not the person's data


def test_export_columns_roles_and_template_names() -> None:
    from dlp.columns import column_role, normalise_column, template_names
    from dlp.valueindex import classify_by_header

    assert column_role("Email Address") == column_role("EMAIL") == column_role("e-mail") == "email"
    assert column_role("FirstName") == column_role("FNAME") == column_role("First Name") == "first_name"
    assert column_role("LEID") == column_role("Record ID") == column_role("Klaviyo ID") == "platform_id"
    assert classify_by_header("Email Address")[0] == "EMAIL_ADDRESS"  # not a street address
    assert classify_by_header("LEID")[0] is None and classify_by_header("EUID")[0] is None
    assert classify_by_header("Birthday")[0] == "DATE_OF_BIRTH"
    assert classify_by_header("Phone Number")[0] == "PHONE_NUMBER"
    assert normalise_column("Email Address") == "email_address"
    assert normalise_column("FirstName") == "first_name"
    names = template_names({"Email Address": "a@example.org", "First Name": "Ann"})
    assert names["Email Address"] == names["email_address"] == "a@example.org"
    assert names["first_name"] == "Ann"


# ---- leftover tags ----------------------------------------------------------------------------------

LEFTOVERS = [
    "Hi *|FNAME|*,", "*|IF:VIP|*", "%%FirstName%%", "%%=v(@name)=%%", "%%[ SET @x = 1 ]%%",
    "Hi %recipient.first%,", "[Product Name]", "[Company Name, LLC]", "[Sender_Name]", "Hi -first_name-,",
    "{contactfield=firstname}", "{unsubscribe_url}", "[firstname,fallback=]", "[[FIRSTNAME]]", "Hi ${first_name}",
    "Hi #{name}", "[FirstName]", "{{ name }}", "{% if x %}",
]  # fmt: skip
PROSE = [
    "See [1] and [2].", "He said [sic] that", "[EXTERNAL] Re: your invoice", "[Action Required] Confirm",
    "[Name withheld]", "50% off, 20% more", "a well-known-name thing", "(see [citation needed])",
    "Price: $100 {approx}", "Tickets [limited]", "Call us [24/7]", "[PDF] Terms", "state-of-the-art",
    "[Note: bring your ID]", "e-mail -- name -- x", "C# {x} code",
]  # fmt: skip


def _leftover_patterns() -> list[re.Pattern[str]]:
    rule = load_ruleset([]).rules["template-error"]
    return [re.compile(p["regex"]) for p in rule.parameters["leftover_patterns"]]


@pytest.mark.parametrize("text", LEFTOVERS)
def test_leftover_tag_of_every_platform_is_caught(text: str) -> None:
    assert sum(bool(p.search(text)) for p in _leftover_patterns()) == 1, text  # once, not once per pattern


@pytest.mark.parametrize("text", PROSE)
def test_ordinary_bracketed_prose_is_not_a_leftover(text: str) -> None:
    assert not any(p.search(text) for p in _leftover_patterns()), text


def test_leftover_tags_in_a_rendered_campaign_block_it(campaign_dir: Path) -> None:
    campaign = """
    name: t
    from: "Acme <news@acme.example>"
    to: "{{ email }}"
    subject: "News"
    body:
      text: body.txt.j2
    recipients: people.csv
    """
    body = "Hi %recipient.first%,\n\nyour [Product Name] order.\n\nSee [1] for details [sic].\n"
    report = preflight(
        write_campaign(campaign_dir, campaign, {"body.txt.j2": body, "people.csv": "email\na@example.org\n"})
    )
    messages = sorted(f.message for f in report.findings if f.rule == "template-error")
    assert len(messages) == 2 and "mailgun" in messages[1] and "bracket" in messages[0]


# ---- real published templates ----------------------------------------------------------------------

POSTMARK = THIRD_PARTY / "postmark-templates" / "basic"
POSTMARK_DATA = json.loads((PLATFORMS / "published_template_row.json").read_text(encoding="utf-8"))
# Postmark's gallery templates keep bracketed placeholders for the author to replace; sent unchanged they
# would reach customers as such, so they are (true) leftovers, and the only findings.
POSTMARK_PLACEHOLDERS = re.compile(r"^leftover merge syntax \(bracket\) in body\.(?:text|html): \[[A-Za-z ,.]+\]$")


@pytest.mark.parametrize("template", sorted(p.name for p in POSTMARK.iterdir()))
def test_postmark_published_templates_preflight_unchanged(template: str, tmp_path: Path) -> None:
    folder = copy_platform("handlebars", tmp_path)
    body = Path("third_party") / "postmark-templates" / "basic" / template
    campaign = f"""
    name: {template}
    from: "Acme <hello@acme.example>"
    to: "{{{{name}}}} <{{{{email}}}}>"
    subject: "Your Acme account"
    body:
      text: {body / "content.txt"}
      html: {body / "content.html"}
    recipients: people.jsonl
    """
    people = {
        "people.jsonl": json.dumps(POSTMARK_DATA)
        + "\n"
        + json.dumps({**POSTMARK_DATA, "email": "b@example.org", "email_address": "b@example.org", "name": "Ben"})
        + "\n"
    }
    report = preflight(write_campaign(folder, campaign, people))
    # {{#each}} makes it Handlebars; a template of plain {{name}} tags reads the same in Jinja (the default)
    assert any(n.startswith(("Template syntax: handlebars", "Template syntax: jinja")) for n in report.notes)
    unexpected = [f.message for f in report.findings if not POSTMARK_PLACEHOLDERS.match(f.message)]
    if template == "example":  # it demonstrates escaping: `\{{ something }}` prints "{{ something }}" on purpose
        unexpected = [m for m in unexpected if not m.endswith(": {{ something }}")]
    assert unexpected == []


def test_postmark_receipt_with_a_full_card_number_is_blocked(tmp_path: Path) -> None:
    folder = copy_platform("handlebars", tmp_path)
    body = "third_party/postmark-templates/basic/receipt/content.txt"
    campaign = f"""
    name: receipt
    from: "Acme <hello@acme.example>"
    to: "{{{{email}}}}"
    subject: "Your receipt"
    body:
      text: {body}
    recipients: people.jsonl
    """
    row = {**POSTMARK_DATA, "credit_card_last_four": CARD}
    report = preflight(write_campaign(folder, campaign, {"people.jsonl": json.dumps(row) + "\n"}))
    assert any(f.rule == "sensitive-data" and f.entity_type == "CREDIT_CARD" for f in report.findings)
    assert report.verdict == "block"


@pytest.mark.parametrize(
    "template",
    [
        "newsletter/news_feed.html",
        "special-sale/special_sale.html",
        "different-languages/different_languages.html",
        "transactional-actions/call_to_action.html",
    ],
)
def test_sendgrid_published_templates_render_with_their_data(template: str, tmp_path: Path) -> None:
    folder = copy_platform("handlebars", tmp_path)
    data = {
        "email": "anna.meyer@example.com", "english": True, "news": [{"header": "Spring", "text": "New trails open."}],
        "user": {"w_deal": [{"deal01": True, "header": "Deal", "text": "Half price",
                             "image01": "https://acme.example/i.png", "c2a_link": "https://acme.example/d",
                             "c2a_button": "Shop"}]},
        "header": "Welcome", "text": "Thanks for joining.", "c2a_link": "https://acme.example/go",
        "c2a_button": "Start",
    }  # fmt: skip
    campaign = f"""
    name: sendgrid
    from: "Acme <hello@acme.example>"
    to: "{{{{email}}}}"
    subject: "News"
    body:
      html: third_party/sendgrid-email-templates/dynamic-templates/{template}
    recipients: people.jsonl
    vars: {{sender_name: Acme, list_address: "400 Harbor Way"}}
    """
    report = preflight(write_campaign(folder, campaign, {"people.jsonl": json.dumps(data) + "\n"}))
    problems = [f.message for f in report.findings if f.rule == "template-error"]
    assert problems == [] or all("undefined variable" in m for m in problems)
    assert not [f for f in report.findings if f.rule in ("sensitive-data", "personal-data", "cross-recipient-leak")]


def test_bundled_mailchimp_example_passes_as_exported() -> None:
    report = preflight(Path(__file__).parent.parent / "examples" / "mailchimp-export" / "campaign.yaml")
    assert report.verdict == "pass" and report.messages == 5 and report.findings == []


def test_preview_prints_one_message_as_the_recipient_gets_it() -> None:
    from typer.testing import CliRunner

    from dlp.cli import app

    result = CliRunner().invoke(app, ["preview", str(PLATFORMS / "mailchimp" / "campaign.yaml"), "--row", "2"])
    assert result.exit_code == 0, result.output
    assert "row 2 of subscribed_members_export.csv" in result.output
    assert "To: Ben Olsen <ben.olsen@example.net>" in result.output
    assert "Subject: Ben, new autumn gear is here" in result.output
    assert "--- text (" in result.output and "--- html as text (" in result.output
    assert "AUTUMN10" in result.output  # MEMBER_RATING=3
    bad = CliRunner().invoke(app, ["preview", str(PLATFORMS / "mailchimp" / "campaign.yaml"), "--row", "99"])
    assert bad.exit_code == 2 and "has 5 rows" in bad.output
    help_text = CliRunner().invoke(app, ["preview", "--help"]).output
    assert "UNREDACTED" in help_text


def test_sendgrid_else_if_chain_picks_the_recipients_language(tmp_path: Path) -> None:
    """SendGrid's different-languages template chains `{{else if spanish}}` (pybars3 lacks it; dlp nests it)."""
    from dlp.preview import preview

    folder = copy_platform("handlebars", tmp_path)
    campaign = """
    name: languages
    from: "Acme <hello@acme.example>"
    to: "{{email}}"
    subject: "News"
    body:
      html: third_party/sendgrid-email-templates/dynamic-templates/different-languages/different_languages.html
    recipients: people.jsonl
    """
    rows = [
        {"email": "a@example.org", "english": True},
        {"email": "b@example.org", "spanish": True},
        {"email": "c@example.org"},
    ]
    path = write_campaign(folder, campaign, {"people.jsonl": "".join(json.dumps(r) + "\n" for r in rows)})
    english, spanish, neither = (preview(path, row).text for row in (1, 2, 3))
    assert "woodchuck" in english and "marmota" not in english
    assert "marmota" in spanish and "woodchuck" not in spanish
    assert "woodchuck" not in neither and "marmota" not in neither


def test_klaviyo_style_liquid_with_a_klaviyo_export(campaign_dir: Path) -> None:
    """Klaviyo's documented forms: person.first_name with a default, person|lookup, {% unsubscribe %}."""
    from dlp.preview import preview

    campaign = """
    name: klaviyo
    from: "Acme <hello@acme.example>"
    to: "{{ email }}"
    subject: "Hello"
    body:
      text: body.txt
    recipients: profiles.csv
    vars: {company: Acme}
    """
    body = (
        "Hi {{ person.first_name|default:'there' }},\n\n"
        "your favourite colour is {{ person|lookup:'Favorite Color' }}.\n"
        "{{ organization.name }} | {% unsubscribe %}\n"
    )
    profiles = (
        "Email,First Name,Last Name,Favorite Color,Klaviyo ID\n"
        "a@example.org,Ann,Lee,teal,01HZX3\nb@example.org,,Kim,red,01HZX4\n"
    )
    path = write_campaign(campaign_dir, campaign, {"body.txt": body, "profiles.csv": profiles})
    first, second = preview(path, 1).text, preview(path, 2).text
    assert "Template syntax: liquid" in first
    assert "Hi Ann," in first and "colour is teal." in first and "Acme | Unsubscribe: https://" in first
    assert "Hi there," in second
    assert preflight(path).findings == []

"""Every template engine returns the same compiled shell (`dlp.templating.base.Compiled`): its source and
a render bound to what the engine compiled. One row rendered through each real engine."""

from __future__ import annotations

import pytest

from dlp.columns import template_names
from dlp.templating import SYNTAXES, engine_for
from dlp.templating.base import Compiled, RenderValues

ROW = {
    "email": "anna.meyer@example.com",
    "first_name": "Anna",
    "FNAME": "Anna",
    "FirstName": "Anna",
    "firstname": "Anna",
}
SOURCES = {
    "liquid": "Hi {{ first_name }}!",
    "handlebars": "Hi {{first_name}}!",
    "mustache": "Hi {{first_name}}!",
    "mailchimp": "Hi *|FNAME|*!",
    "mautic": "Hi {contactfield=firstname}!",
    "ampscript": "%%[ SET @first = FirstName ]%%Hi %%=v(@first)=%%!",
    "brevo": "Hi {{ contact.FNAME }}!",
    "go": "Hi {{ .Subscriber.FirstName }}!",
    "mailjet": 'Hi {{var:firstname:"there"}}!',
}


@pytest.mark.parametrize("syntax", [s for s in SYNTAXES if s != "jinja"])
def test_each_engine_compiles_to_the_shared_shell(syntax: str) -> None:
    compiled = engine_for(syntax, {}).compile(SOURCES[syntax], name="body.txt", html=False)
    assert type(compiled) is Compiled
    assert compiled.source
    text = compiled.render(RenderValues(ROW, {}, {**template_names(ROW)}))
    assert text.strip() == "Hi Anna!"

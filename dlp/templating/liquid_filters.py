"""Filters the Liquid platforms add to standard Liquid, so their templates render as the platform does.

python-liquid implements standard Liquid only. Shopify's notification templates use Shopify's filters on
nearly every line (`money`, `img_url`, `format_address`, `shopify_asset_url`...), Klaviyo documents
Django-style filter names (`title`, `floatformat`, `truncatechars`), Braze adds its own (`time_zone`,
`number_with_delimiter`, `url_param_escape`). Each is a pure function of its input, with no file or
network access: a URL filter returns a placeholder on the platform's CDN, since the image itself is not
what a pre-flight checks; money filters format Shopify's integer cents. `vars: {currency: EUR}` (or
`shop: {currency: EUR}`) sets the currency of the money filters.
"""

from __future__ import annotations

import html as html_lib
import json
import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote, quote_plus

from liquid import Environment, Markup
from liquid.builtin.filters.misc import date as liquid_date
from liquid.filter import with_environment

CDN = "https://cdn.shopify.com/s/files/1/0000/0001"
SYMBOLS = {
    "USD": "$", "CAD": "$", "AUD": "$", "NZD": "$",
    "EUR": "€", "GBP": "£", "JPY": "¥", "CHF": "CHF ", "INR": "₹",
}  # fmt: skip
# Shopify's named date formats (the locale file's `date_formats`)
NAMED_DATES = {"default": "%a, %b %d, %Y, %-I:%M %p %z", "date": "%B %-d, %Y", "abbreviated_date": "%b %-d, %Y",
               "basic": "%m/%d/%Y", "date_at_time": "%B %-d, %Y at %-I:%M %p", "on_date": "on %B %-d, %Y"}  # fmt: skip


def _undefined(value: Any) -> bool:
    return value is None or type(value).__name__.endswith("Undefined")


def _number(value: Any) -> float | None:
    try:
        return float(str(value).replace(",", ""))
    except (TypeError, ValueError):
        return None


def _currency(variables: Mapping[str, Any]) -> str:
    shop = variables.get("shop")
    code = variables.get("currency") or (shop.get("currency") if isinstance(shop, Mapping) else None) or "USD"
    return str(code).upper()


def money_filters(variables: Mapping[str, Any]) -> dict[str, Callable[..., Any]]:
    """Shopify's money filters: amounts are integer cents (`12900` -> `$129.00`)."""
    code = _currency(variables)
    symbol = SYMBOLS.get(code, "")
    decimals = 0 if code == "JPY" else 2

    def amount(value: Any) -> str | None:
        number = _number(value)
        if number is None:
            return None
        return f"{number / 100:,.{decimals}f}"

    def money(value: Any) -> str:
        text = amount(value)
        return "" if text is None else f"{symbol}{text}" if symbol else f"{text} {code}"

    def with_currency(value: Any) -> str:
        text = amount(value)
        return "" if text is None else f"{symbol}{text} {code}" if symbol else f"{text} {code}"

    def without_trailing_zeros(value: Any) -> str:
        text = money(value)
        return text[:-3] if text.endswith((".00", ",00")) else text

    def without_currency(value: Any) -> str:
        return amount(value) or ""

    return {
        "money": money,
        "money_with_currency": with_currency,
        "money_without_trailing_zeros": without_trailing_zeros,
        "money_without_currency": without_currency,
    }


def _image_url(value: Any, *args: Any, **kwargs: Any) -> str:
    """`{{ line | img_url: 'compact_cropped' }}`: the object's image (or the URL given) as a URL."""
    if isinstance(value, Mapping):
        for key in ("image", "featured_image", "src", "url"):
            found = value.get(key)
            if isinstance(found, str) and found:
                return found
            if isinstance(found, Mapping):
                return _image_url(found)
        return f"{CDN}/products/no-image.png"
    if _undefined(value) or not str(value).strip():
        return f"{CDN}/products/no-image.png"
    text = str(value)
    return text if "/" in text else f"{CDN}/files/{quote(text)}"


def _asset_url(value: Any, *args: Any, **kwargs: Any) -> str:
    return f"{CDN}/assets/{quote(str('' if _undefined(value) else value).lstrip('/'))}"


def _payment_icon(value: Any, *args: Any, **kwargs: Any) -> str:
    name = re.sub(r"[^a-z0-9]+", "-", str("" if _undefined(value) else value).lower()).strip("-") or "generic"
    return f"{CDN}/payment-icons/{name}.png"


@with_environment
def _format_address(value: Any, *, environment: Environment) -> str:
    """Shopify's `format_address`: the address as HTML lines (name, company, street, city line, country)."""
    if not isinstance(value, Mapping):
        return "" if _undefined(value) else str(value)

    def field(*names: str) -> str:
        for name in names:
            found = value.get(name)
            if found is not None and not _undefined(found) and str(found).strip():
                return str(found).strip()
        return ""

    name = field("name") or " ".join(p for p in (field("first_name"), field("last_name")) if p)
    city = " ".join(p for p in (field("city"), field("province_code", "province"), field("zip")) if p)
    lines = [name, field("company"), field("address1"), field("address2"), city, field("country")]
    text = "<br>".join(html_lib.escape(line) for line in lines if line)
    return Markup(text) if environment.autoescape else text


@with_environment
def _date(value: Any, fmt: Any = None, *, format: Any = None, environment: Environment) -> str:
    """Liquid's date, plus Shopify's named formats (`date: format: 'date'`)."""
    chosen = format if format is not None else fmt
    if chosen is None or _undefined(chosen):
        chosen = "date"
    chosen = NAMED_DATES.get(str(chosen), str(chosen))
    return liquid_date(value, chosen, environment=environment)


def _floatformat(value: Any, places: Any = -1) -> str:
    number = _number(value)
    if number is None:
        return "" if _undefined(value) else str(value)
    digits = abs(int(_number(places) or 0))
    text = f"{number:.{digits}f}"
    if int(_number(places) or -1) < 0 and number == int(number):
        return str(int(number))
    return text


def _truncatechars(value: Any, length: Any = 30) -> str:
    text = "" if _undefined(value) else str(value)
    limit = int(_number(length) or 0)
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def _number_with_delimiter(value: Any, *args: Any) -> str:
    number = _number(value)
    if number is None:
        return "" if _undefined(value) else str(value)
    return f"{int(number):,}" if number == int(number) else f"{number:,}"


def _property_accessor(value: Any, key: Any) -> Any:
    return value.get(str(key), "") if isinstance(value, Mapping) else ""


def _text(value: Any) -> str:
    return "" if _undefined(value) else str(value)


SHOPIFY: dict[str, Callable[..., Any]] = {
    "img_url": _image_url,
    "image_url": _image_url,
    "product_img_url": _image_url,
    "img_tag": lambda v, *a, **k: f'<img src="{html_lib.escape(_image_url(v))}" alt="">',
    "image_tag": lambda v, *a, **k: f'<img src="{html_lib.escape(_image_url(v))}" alt="">',
    "asset_url": _asset_url,
    "asset_img_url": _asset_url,
    "shopify_asset_url": _asset_url,
    "cdn_asset_url": _asset_url,
    "file_url": _asset_url,
    "file_img_url": _asset_url,
    "global_asset_url": _asset_url,
    "payment_icon_png_url": _payment_icon,
    "payment_type_img_url": _payment_icon,
    "payment_type_svg_tag": lambda v, *a, **k: f'<img src="{html_lib.escape(_payment_icon(v))}" alt="">',
    "format_address": _format_address,
    "date": _date,
    "weight_with_unit": lambda v, *a: f"{(_number(v) or 0) / 1000:g} kg",
    "handleize": lambda v: re.sub(r"[^a-z0-9]+", "-", _text(v).lower()).strip("-"),
    "handle": lambda v: re.sub(r"[^a-z0-9]+", "-", _text(v).lower()).strip("-"),
    "pluralize": lambda n, one, many: one if _number(n) == 1 else many,
    "json": lambda v: json.dumps(v, default=str),
}
# Klaviyo documents Django-style names; Braze adds its own.
KLAVIYO_BRAZE: dict[str, Callable[..., Any]] = {
    "title": lambda v: _text(v).title(),
    "upper": lambda v: _text(v).upper(),
    "lower": lambda v: _text(v).lower(),
    "capfirst": lambda v: _text(v)[:1].upper() + _text(v)[1:],
    "length": lambda v: len(v) if hasattr(v, "__len__") and not _undefined(v) else 0,
    "floatformat": _floatformat,
    "truncatechars": _truncatechars,
    "striptags": lambda v: re.sub(r"<[^>]*>", "", _text(v)),
    "urlencode": lambda v: quote(_text(v)),
    "add": lambda v, n: (_number(v) or 0) + (_number(n) or 0),
    "multiply": lambda v, n: (_number(v) or 0) * (_number(n) or 0),
    "divide": lambda v, n: (_number(v) or 0) / (_number(n) or 1),
    "currency_format": lambda v, *a: f"{_number(v) or 0:,.2f}",
    "time_zone": lambda v, *a: v,  # Braze: the same instant in another zone; the date part is what we print
    "number_with_delimiter": _number_with_delimiter,
    "url_param_escape": lambda v: quote_plus(_text(v)),
    "url_escape": lambda v: quote(_text(v)),
    "json_escape": lambda v: json.dumps(_text(v))[1:-1],
    "property_accessor": _property_accessor,
}


def platform_filters(variables: Mapping[str, Any]) -> dict[str, Callable[..., Any]]:
    """Every platform filter, for one campaign (the money filters read its currency)."""
    return {**KLAVIYO_BRAZE, **SHOPIFY, **money_filters(variables)}

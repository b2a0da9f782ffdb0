"""spaCy pipelines per language, loaded on first use.

An English-only campaign should not pay for loading French; a language whose NER model is not installed
still needs a tokenizer (Presidio's context words work on tokens and lemmas), so it gets a blank
pipeline whose lemma is the lower-cased word: patterns run, NER does not.
"""

from __future__ import annotations

import importlib.util
import re

import spacy
from presidio_analyzer.nlp_engine import NerModelConfiguration, SpacyNlpEngine
from spacy.attrs import IS_PUNCT, IS_STOP
from spacy.language import Language

# Small CPU models per language; `en` comes from the detector settings (DLP_SPACY_MODEL).
NER_MODELS: dict[str, str] = {
    "fr": "fr_core_news_sm",
    "de": "de_core_news_sm",
    "it": "it_core_news_sm",
    "es": "es_core_news_sm",
}


# A word (letters, digits, underscore) or one punctuation mark: the tokens of text that gets no NER.
_WORD_OR_MARK = re.compile(r"\w+|[^\w\s]")

# Presidio reads tokens, lemmas and entities, never the dependency parse. Without the parser spaCy is ~18%
# faster, and on the 782-sample eval corpus every entity and every lemma is the same with or without it.
UNUSED_COMPONENTS = ("parser",)


@Language.component("dlp_lower_lemma")
def _lower_lemma(doc):
    for token in doc:
        token.lemma_ = token.lower_
    return doc


# Presidio needs tokens, entities and (for context words) lemmas. When NER carries its own embedding layer
# (en_core_web_sm: the shared tok2vec serves only the tagger), the tagger, attribute ruler, lemmatizer and
# tok2vec only feed lemmas: replaced by the lower-cased word they give the same entities (types and spans)
# on the 782-sample eval corpus, ~25% faster; the only change is a DATE_OF_BIRTH after "born" scoring 1.0
# instead of 0.85 ("born" now matches its context word instead of being lemmatised to "bear").
LEMMA_ONLY = ("tagger", "attribute_ruler", "lemmatizer", "morphologizer", "senter")


def trimmed(nlp: Language) -> Language:
    """`nlp` without the components only lemmas need, when NER does not listen to the shared tok2vec."""
    if "ner" not in nlp.pipe_names:
        return nlp
    if "tok2vec" in nlp.pipe_names and "ner" in nlp.get_pipe("tok2vec").listening_components:
        return nlp  # NER reads the shared embeddings (some models): keep the pipeline whole
    for name in (*LEMMA_ONLY, "tok2vec"):
        if name in nlp.pipe_names:
            nlp.remove_pipe(name)
    nlp.add_pipe("dlp_lower_lemma", first=True)
    return nlp


def model_installed(model: str) -> bool:
    try:
        return importlib.util.find_spec(model) is not None
    except (ImportError, ValueError):
        return False


def blank_pipeline(language: str) -> Language:
    # The language-neutral tokenizer: spaCy's French blank pipeline alone takes ~6 s to build (its tokenizer
    # exceptions), and patterns need only word boundaries for their context words.
    nlp = spacy.blank("xx")
    nlp.add_pipe("dlp_lower_lemma")
    return nlp


class _LazyPipelines(dict):
    def __init__(self, models: dict[str, str | None]) -> None:
        super().__init__()
        self.models = models

    def __missing__(self, language: str) -> Language:
        model = self.models.get(language)
        nlp = trimmed(spacy.load(model, exclude=UNUSED_COMPONENTS)) if model else blank_pipeline(language)
        self[language] = nlp
        return nlp

    def keys(self):  # type: ignore[override]
        return self.models.keys()


class LazySpacyNlpEngine(SpacyNlpEngine):
    """Presidio's spaCy engine, but each language's pipeline is loaded when first analysed."""

    def __init__(self, models: dict[str, str | None], preload: tuple[str, ...] = ("en",)) -> None:
        super().__init__(
            models=[{"lang_code": lang, "model_name": model or "blank"} for lang, model in models.items()],
            ner_model_configuration=NerModelConfiguration(),
        )
        self.model_by_language = dict(models)
        self.preload = preload
        self._flags: dict[tuple[str, str], tuple[bool, bool]] = {}
        self._keywords: dict[str, dict[str, bool]] = {}

    def load(self) -> None:
        self.nlp = _LazyPipelines(self.model_by_language)
        for language in self.preload:
            if language in self.model_by_language:
                _ = self.nlp[language]

    def process_batch_tokens_only(self, texts: list[str], language: str):
        """Presidio's artifacts without a spaCy pipeline (lines a program printed): words and punctuation
        marks by one regex, lower-cased lemmas, no entities. What the pattern recognizers' context words
        need; spaCy's rule-based tokenizer spent ~2 s per megabyte of log on its affix rules (hex, paths,
        brackets), and building its Tokens back into lists another second."""
        from presidio_analyzer.nlp_engine import NlpArtifacts

        for text in texts:
            words: list[str] = []
            starts: list[int] = []
            for match in _WORD_OR_MARK.finditer(text):
                words.append(match.group())
                starts.append(match.start())
            lemmas = [word.lower() for word in words]
            artifacts = NlpArtifacts([], words, starts, lemmas, None, language)  # type: ignore[arg-type]
            artifacts.nlp_engine = self
            # Presidio's keywords (`NlpArtifacts.set_keywords`): lemmas that are neither stop words nor
            # punctuation; a token holds no ":" to split at. Decided once per distinct word.
            keep = self._keyword_words(language)
            artifacts.keywords = [lemma for lemma in lemmas if keep[lemma]]
            yield text, artifacts

    def _keyword_words(self, language: str) -> dict[str, bool]:
        cache = self._keywords.get(language)
        if cache is None or len(cache) >= self.FLAG_CACHE:
            cache = self._keywords[language] = _KeywordWords(self, language)
        return cache

    # Presidio asks both for every lemma of every analysed text (its keywords): a vocabulary lookup each, a
    # second per megabyte of log. Whether a word is a stop word or punctuation never changes: asked once per
    # distinct word (bounded, so a long-running `dlp serve` does not grow with every word it ever saw).
    FLAG_CACHE = 20_000

    def _lexeme_flags(self, word: str, language: str) -> tuple[bool, bool]:
        key = (word, language)
        flags = self._flags.get(key)
        if flags is None:
            if len(self._flags) >= self.FLAG_CACHE:
                self._flags.clear()
            flags = self._flags[key] = word_flags(self.nlp[language].vocab, word)
        return flags

    def is_stopword(self, word: str, language: str) -> bool:
        return self._lexeme_flags(word, language)[0]

    def is_punct(self, word: str, language: str) -> bool:
        return self._lexeme_flags(word, language)[1]

    def get_supported_languages(self) -> list[str]:
        return list(self.model_by_language)

    def has_ner(self, language: str) -> bool:
        return bool(self.model_by_language.get(language))


def word_flags(vocab, word: str) -> tuple[bool, bool]:
    """(is stop word, is punctuation) as spaCy's lexeme for `word` has them, without making one: looking a
    new word up in the vocabulary (`vocab[word]`) adds it for good, and a million recipients' words grew a
    process by hundreds of MB. A new lexeme's flags come from these same getters."""
    if word in vocab:
        lexeme = vocab[word]
        return bool(lexeme.is_stop), bool(lexeme.is_punct)
    getters = vocab.lex_attr_getters
    is_stop, is_punct = getters.get(IS_STOP), getters.get(IS_PUNCT)
    return bool(is_stop(word)) if is_stop else False, bool(is_punct(word)) if is_punct else False


class _KeywordWords(dict):
    """word -> whether Presidio keeps it as a keyword (`NlpArtifacts.set_keywords`), filled on first ask."""

    def __init__(self, engine: LazySpacyNlpEngine, language: str) -> None:
        super().__init__()
        self.engine = engine
        self.language = language

    def __missing__(self, word: str) -> bool:
        engine, language = self.engine, self.language
        keep = not (engine.is_stopword(word, language) or engine.is_punct(word, language))
        keep = keep and word not in ("-PRON-", "be")
        self[word] = keep
        return keep

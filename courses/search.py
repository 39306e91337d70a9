"""Free-text search in the catalogue, in Norwegian and Danish.

Each offer's ``search_vector`` is built with the stemming rules of the language
its text is written in (``norwegian`` or ``danish``). A query is parsed with
both, so "keramikkurs" and "keramikkursus" find the same courses.

Typo tolerance: the embedded PostgreSQL (pgserver) ships without contrib
extensions such as pg_trgm, so when a search finds nothing, each word is
matched against the catalogue's own vocabulary with difflib and the search is
tried again with the closest words ("Viser treff for «keramikk»").
"""

import difflib
import re

from django.contrib.postgres.search import SearchQuery
from django.core.cache import cache
from django.db import connection

MAX_QUERY_LENGTH = 200
_VOCABULARY_CACHE_KEY = "courses:search-vocabulary:v1"
_WORD = re.compile(r"\w+", re.UNICODE)

_REFRESH_SQL = """
UPDATE courses_offer AS target SET search_vector = src.vector
FROM (
    SELECT o.id,
        setweight(to_tsvector(cfg.c, coalesce(o.title, '')), 'A')
        || setweight(to_tsvector(cfg.c, coalesce(string_agg(topic.name, ' '), '')), 'A')
        || setweight(to_tsvector(cfg.c, coalesce(o.summary, '')), 'B')
        || setweight(to_tsvector(cfg.c, coalesce(p.name, '')), 'C')
        || setweight(to_tsvector(cfg.c, coalesce(o.description, '')), 'D') AS vector
    FROM courses_offer AS o
    JOIN courses_provider AS p ON p.id = o.provider_id
    CROSS JOIN LATERAL (SELECT CASE o.content_language WHEN 'da' THEN 'danish'::regconfig
                        ELSE 'norwegian'::regconfig END AS c) AS cfg
    LEFT JOIN courses_offer_topics AS ot ON ot.offer_id = o.id
    LEFT JOIN courses_topic AS topic ON topic.id = ot.topic_id
    {where}
    GROUP BY o.id, p.name, cfg.c
) AS src
WHERE src.id = target.id
"""

_VOCABULARY_SQL = """
SELECT word FROM ts_stat($$
    SELECT to_tsvector('simple', o.title || ' ' || o.summary || ' ' || coalesce(string_agg(t.name, ' '), ''))
    FROM courses_offer o
    LEFT JOIN courses_offer_topics ot ON ot.offer_id = o.id
    LEFT JOIN courses_topic t ON t.id = ot.topic_id
    WHERE o.is_published
    GROUP BY o.id
$$) WHERE length(word) > 2
"""


def refresh_search_vectors(*, offer_ids=None) -> None:
    if offer_ids is None:
        sql, params = _REFRESH_SQL.format(where=""), []
    else:
        sql, params = _REFRESH_SQL.format(where="WHERE o.id = ANY(%s)"), [list(offer_ids)]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    cache.delete(_VOCABULARY_CACHE_KEY)


def search_query(text: str) -> SearchQuery:
    """A query that matches Norwegian- and Danish-stemmed documents alike."""
    return SearchQuery(text, config="norwegian", search_type="websearch") | SearchQuery(
        text, config="danish", search_type="websearch"
    )


def vocabulary() -> list[str]:
    words = cache.get(_VOCABULARY_CACHE_KEY)
    if words is None:
        with connection.cursor() as cursor:
            cursor.execute(_VOCABULARY_SQL)
            words = sorted(row[0] for row in cursor.fetchall())
        cache.set(_VOCABULARY_CACHE_KEY, words, timeout=60 * 60)
    return words


def corrected_query(text: str) -> str | None:
    """The query with each unknown word replaced by the closest known word, or None."""
    words = vocabulary()
    known = set(words)
    changed = False
    corrected = []
    for word in _WORD.findall(text.lower()):
        if word in known or len(word) < 4:
            corrected.append(word)
            continue
        match = difflib.get_close_matches(word, words, n=1, cutoff=0.75)
        if match:
            corrected.append(match[0])
            changed = changed or match[0] != word
        else:
            corrected.append(word)
    return " ".join(corrected) if changed else None

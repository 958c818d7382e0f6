"""The slug rule of the public atlas, with transliteration instead of dropped letters."""

import pytest

from atlas_cli.core.slugs import base_slug, unique_slug


@pytest.mark.parametrize(
    "authors,year,title,slug",
    [
        (
            [{"family": "Mensah", "given": "Fane"}],
            2017,
            "Chronic fatigue syndrome and the immune system: Where are we now?",
            "mensah-2017-chronic-fatigue",
        ),
        ([{"family": "Jason"}], 2020, "ME/CFS and Post-Exertional Malaise among patients", "jason-2020-cfs-post"),
        ([{"family": "van Campen", "given": "C"}], 2020, "Cerebral blood flow", "van-campen-2020-cerebral-blood"),
        ([{"family": "Aoun Sebaiti"}], 2022, "Cognitive dysfunction", "aoun-sebaiti-2022-cognitive-dysfunction"),
        ([{"family": "Ramírez-Morales"}], 2021, "Análisis de la fatiga", "ramirez-morales-2021-analisis-fatiga"),
        ([{"family": "Müller"}], 2019, "Über die Müdigkeit", "muller-2019-uber-die"),
        ([{"family": "Øie"}], 2018, "Søvn og ME", "oie-2018-sovn"),
        ([{"literal": "GTEx Consortium"}], 2017, "The impact of structural variation", "gtex-2017-impact-structural"),
        ([], 2015, "Beyond myalgic encephalomyelitis", "unknown-2015-beyond-myalgic"),
        ([{"family": "Smith"}], 2015, "Of it: an", "smith-2015"),
        ([{"family": "王"}], 2020, "免疫 study", "wang-2020-mianyi-study"),
    ],
)
def test_slug_rule(authors, year, title, slug):
    assert base_slug(authors, year, title) == slug


def test_collision_suffix():
    assert unique_slug("a-2020-b-c", set()) == "a-2020-b-c"
    assert unique_slug("a-2020-b-c", {"a-2020-b-c"}) == "a-2020-b-c-2"
    assert unique_slug("a-2020-b-c", {"a-2020-b-c", "a-2020-b-c-2"}) == "a-2020-b-c-3"


def test_slug_matches_schema_pattern():
    import re

    slug = base_slug([{"family": "--Ñúñez--"}], 2020, "¿Qué? — «fatiga» / 'crónica'")
    assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", slug), slug


def test_slug_of_a_title_with_a_huge_word_stays_within_the_schema_limit():
    import re

    long_word = "pneumono" + "x" * 300
    base = base_slug([{"family": "Smith"}], 2020, f"{long_word} and {long_word[::-1]}")
    assert len(base) <= 110 and re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", base)
    assert base.startswith("smith-2020-pneumono")
    numbered = unique_slug(base, {base} | {f"{base}-{n}" for n in range(2, 1000)})
    assert len(numbered) <= 120 and numbered.endswith("-1000")

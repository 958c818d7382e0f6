"""Vocabulary rules: designs and topics come from the registries."""

from __future__ import annotations

from collections.abc import Iterable

from atlas_cli.lint.context import RecordContext
from atlas_cli.lint.rules import rule
from atlas_cli.lint.rules._util import did_you_mean


@rule("design-unknown")
def design_known(ctx: RecordContext) -> None:
    """`design` is an id from schemas/designs.yaml.

    Fails:   design: randomized-trial     (did you mean rct?)
    Passes:  design: rct
    """
    design = ctx.data.get("design")
    designs = ctx.registries.designs
    if isinstance(design, str) and design not in designs:
        by_label = {d.label.lower(): d.id for d in designs.values()}
        suggestion = by_label.get(design.lower().replace("-", " ")) or by_label.get(design.lower())
        hint = f"did you mean `{suggestion}`?" if suggestion else did_you_mean(design, designs)
        ctx.report(
            "design-unknown",
            ("design",),
            f"unknown design `{design}`" + (f"; {hint}" if hint else ""),
            "use an id from schemas/designs.yaml, or add the design there",
        )


@rule("topic-unknown")
def topics_known(ctx: RecordContext) -> None:
    """Every topic is an id from schemas/topics.yaml.

    Fails:   topics: [microbiome]          (did you mean gut-microbiome?)
    Passes:  topics: [gut-microbiome]
    """
    topics = ctx.data.get("topics")
    if not isinstance(topics, list):
        return
    known = ctx.registries.topics
    for index, topic in enumerate(topics):
        if isinstance(topic, str) and topic not in known:
            suggestion = did_you_mean(topic, known) or _contains(topic, known)
            ctx.report(
                "topic-unknown",
                ("topics", index),
                f"unknown topic `{topic}`" + (f"; {suggestion}" if suggestion else ""),
                "use an id from schemas/topics.yaml, or add the topic there",
            )


def _contains(topic: str, known: Iterable[str]) -> str | None:
    matches = [t for t in known if topic in t]
    return f"did you mean `{matches[0]}`?" if len(matches) == 1 else None

"""`atlas criteria`: the PEM badge proposed from a paper's own words, with the quotes.

The public API, for `atlas criteria` and for the commands that will write proposals
into drafts and check records against their stored text:

    from atlas_cli.criteria import propose_text
    proposal = propose_text(text, schemas_dir, year=2017)
    proposal.badge, proposal.criteria, proposal.combine, proposal.pem_screen
    proposal.quotes       # Quote(finding, id, role, start, end, text): text[start:end] == quote.text
    proposal.to_dict()    # JSON-ready

`propose_text` is pure apart from reading the registries once per process. The
engine is `engine.propose(text, lexicon, year)`; what it recognises is data
(schemas/criteria.yaml and schemas/criteria-cues.yaml, see lexicon).
"""

from __future__ import annotations

from pathlib import Path

from atlas_cli.criteria.model import Proposal, Quote

__all__ = ["PROPOSER", "Proposal", "Quote", "propose_text"]

# Who proposed a badge written into a record (`pem.proposed.by`). The number goes up when
# the engine's reading changes in a way that can change a proposal.
PROPOSER = "atlas-criteria v1"


def propose_text(text: str, schemas_dir: Path, year: int | None = None) -> Proposal:
    """The proposal for TEXT with the registries of SCHEMAS_DIR (see engine.propose)."""
    from atlas_cli.criteria.engine import propose
    from atlas_cli.criteria.lexicon import load_lexicon

    return propose(text, load_lexicon(schemas_dir), year)

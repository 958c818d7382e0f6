"""`atlas discover`: what PubMed has that the atlas does not, and the screening decisions kept.

- window.py   the date window of a search (--since, --until, --days; by default since the
              newest snapshot_date of the atlas, or the last 30 days)
- search.py   the search (services.pubmed, a handful of requests) and what each paper is:
              new, already a record (by PMID, DOI or alias, or same title and year), or
              excluded in screening.yaml; marked when PubMed's types say it is not a study
- exclude.py  `--exclude ID --reason TEXT`: screening decisions written to screening.yaml
- report.py   the list as text, JSON or bare PMIDs (pure formatters)

`--add` hands the new papers to `atlas add`'s pipeline (add/), with the PubMed records
already fetched, so adding them costs no second PubMed request.
"""

// Render CSL-JSON items with citeproc-js, the engine of Zotero and Mendeley, for the
// comparison tests (tests/test_cite_citeproc_js.py). Not part of atlas.
//
// stdin:  {"style": "<CSL XML>", "locale": "<CSL locale XML>", "items": [CSL-JSON item, ...]}
// stdout: a JSON list with, for each item, its bibliography entry as plain text when it is
//         the only reference of a bibliography (null if the style made none). Item ids
//         must differ.
// The citeproc module is found at $CITEPROC_JS (a path), else as `citeproc` on the node path.
"use strict";
const CSL = require(process.env.CITEPROC_JS || "citeproc");

let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const request = JSON.parse(input);
  const items = new Map(request.items.map((item) => [item.id, item]));
  const sys = {
    retrieveLocale: () => request.locale,
    retrieveItem: (id) => items.get(id),
  };
  // Building an engine for a large style takes seconds, so one engine renders every
  // item, each alone: the registry holds only that item, and the quotation-mark parser,
  // which remembers the first quote form it met, starts afresh for each.
  const engine = new CSL.Engine(sys, request.style, "en-US", true);
  engine.setOutputFormat("text");
  const entries = request.items.map((item) => {
    engine.fun.flipflopper = new CSL.Util.FlipFlopper(engine);
    engine.updateItems([item.id]);
    const bibliography = engine.makeBibliography();
    return bibliography ? bibliography[1].join("").trim() : null;
  });
  process.stdout.write(JSON.stringify(entries));
});

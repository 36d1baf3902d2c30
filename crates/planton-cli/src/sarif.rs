//! The SARIF 2.1.0 report (`validate -o sarif`), for GitHub code scanning and
//! other SARIF viewers: one run, a result per violation (at most
//! [`report::MAX_SHOWN_PER_FILE`] per file, then one `omitted` note), a result
//! of rule `load` per file that does not load, and a rule descriptor per rule
//! id that occurs.
//!
//! The document is streamed like the JSON report: [`OPEN`], one
//! [`Sarif::entry`] per file in input order, then [`Sarif::close`]. The
//! results come before the tool's rule descriptors (JSON members have no
//! order), so a rule's index is its order of first use and only the distinct
//! rule ids are held, never the results. Rule ids come from the protos'
//! rules and planton's own fixed set (not from the input), so they are few.

use std::collections::HashMap;
use std::fmt::Write as _;

use planton_manifest::{Location, Source};
use serde_json::{Value, json};

use crate::report::{self, FileResult, Outcome};
use planton_manifest::sanitize;

/// The start of the document, before the first result.
pub(crate) const OPEN: &str = concat!(
    "{\"$schema\": \"https://json.schemastore.org/sarif-2.1.0.json\", \"version\": \"2.1.0\", ",
    "\"runs\": [{\"columnKind\": \"unicodeCodePoints\", \"results\": ["
);

/// The rule of a file that does not load.
const LOAD_RULE: &str = "load";
/// The rule of the note saying that a file has more violations than shown.
const OMITTED_RULE: &str = "omitted";

/// Where a rule comes from, for its descriptor.
#[derive(Clone, Copy)]
enum Origin {
    Checker(Source),
    Load,
    Omitted,
}

/// The state of a SARIF report being written.
pub(crate) struct Sarif {
    /// The component's kind, as the rule descriptions name it.
    kind: String,
    /// The rule ids in order of first use, and where each comes from.
    rules: Vec<(String, Origin)>,
    /// The index of each rule id in `rules`.
    index: HashMap<String, usize>,
    /// Whether a result was written (the next one needs a comma).
    any: bool,
}

impl Sarif {
    /// A report on manifests of the component `kind` (`KubernetesJob`).
    pub(crate) fn new(kind: &str) -> Self {
        Sarif {
            kind: kind.to_owned(),
            rules: Vec::new(),
            index: HashMap::new(),
            any: false,
        }
    }

    /// The results of one file, each on its own line, with the separating
    /// commas; empty for a valid file.
    pub(crate) fn entry(&mut self, r: &FileResult) -> String {
        let file = sanitize::path(&r.file);
        let uri = uri(&file);
        let text = r.text.as_deref().unwrap_or("");
        let mut results = Vec::new();
        match &r.outcome {
            Outcome::Error {
                message,
                location,
                finding,
            } => {
                let region =
                    location.map_or_else(|| whole(text), |l| report::load_region(text, l).into());
                // A file read but not loaded: under its load rule
                // (`load.syntax`, ...); one not read: under the generic one.
                let (id, origin) = match finding {
                    Some(v) => (v.rule_id.as_str(), Origin::Checker(Source::Load)),
                    None => (LOAD_RULE, Origin::Load),
                };
                let index = self.rule(id, origin);
                results.push(result(id, index, "error", message, &uri, region, None));
            }
            Outcome::Checked {
                violations,
                spans,
                unkept,
                ..
            } => {
                let (shown, omitted) = report::shown(violations, *unkept);
                let regions = report::regions(text, shown, spans);
                for (v, region) in shown.iter().zip(regions) {
                    let region = region.map_or_else(|| whole(text), Region::from);
                    let rule_id = sanitize::clean(&v.rule_id);
                    let path = sanitize::clean(&v.field_path);
                    let index = self.rule(&rule_id, Origin::Checker(v.source));
                    let message = format!("{path}: {}", sanitize::clean(&v.message));
                    let mut one = result(
                        &rule_id,
                        index,
                        v.severity.as_str(),
                        &message,
                        &uri,
                        region,
                        Some(&path),
                    );
                    one["properties"] = json!({ "fieldPath": path, "source": v.source.as_str() });
                    results.push(one);
                }
                if omitted > 0 {
                    let index = self.rule(OMITTED_RULE, Origin::Omitted);
                    let message = format!(
                        "{omitted} more violation{} in {file} not shown (at most {} per file)",
                        if omitted == 1 { "" } else { "s" },
                        report::MAX_SHOWN_PER_FILE
                    );
                    // At the first violation not shown, when it has a place.
                    let next = shown.len();
                    let region = report::regions(
                        text,
                        violations.get(next..=next).unwrap_or_default(),
                        spans.get(next..).unwrap_or_default(),
                    )
                    .first()
                    .copied()
                    .flatten()
                    .map_or_else(|| whole(text), Region::from);
                    results.push(result(
                        OMITTED_RULE,
                        index,
                        "note",
                        &message,
                        &uri,
                        region,
                        None,
                    ));
                }
            }
        }
        let mut out = String::new();
        for one in results {
            out.push_str(if self.any { ",\n  " } else { "\n  " });
            self.any = true;
            out.push_str(&one.to_string());
        }
        sanitize::json(out)
    }

    /// The index of `id` among the rules, added on first use.
    fn rule(&mut self, id: &str, origin: Origin) -> usize {
        if let Some(&i) = self.index.get(id) {
            return i;
        }
        self.rules.push((id.to_owned(), origin));
        self.index.insert(id.to_owned(), self.rules.len() - 1);
        self.rules.len() - 1
    }

    /// The end of the document: the tool and its rules.
    pub(crate) fn close(self) -> String {
        let rules: Vec<Value> = self
            .rules
            .iter()
            .map(|(id, origin)| descriptor(&self.kind, id, *origin))
            .collect();
        let tool = json!({
            "driver": {
                "name": "planton",
                "version": env!("CARGO_PKG_VERSION"),
                "semanticVersion": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/project-planton/project-planton",
                "rules": rules,
            }
        });
        sanitize::json(format!("\n], \"tool\": {tool}}}]}}\n"))
    }
}

/// Where a result is in its file.
enum Region {
    /// From a place to another.
    Text(Location, Location),
    /// The whole file, of so many lines: a finding without a place (the
    /// file cannot be read, or is empty, or the violation has no location).
    Lines(usize),
}

impl From<(Location, Location)> for Region {
    fn from((start, end): (Location, Location)) -> Self {
        Region::Text(start, end)
    }
}

/// The whole of `text` as a region.
fn whole(text: &str) -> Region {
    Region::Lines(text.lines().count().max(1))
}

/// One result object.
fn result(
    rule_id: &str,
    index: usize,
    level: &str,
    message: &str,
    uri: &str,
    region: Region,
    field_path: Option<&str>,
) -> Value {
    let region = match region {
        Region::Text(start, end) => json!({
            "startLine": start.line,
            "startColumn": start.column,
            "endLine": end.line,
            "endColumn": end.column,
        }),
        Region::Lines(end) => json!({ "startLine": 1, "endLine": end }),
    };
    let physical = json!({ "artifactLocation": { "uri": uri }, "region": region });
    let mut location = json!({ "physicalLocation": physical });
    if let Some(path) = field_path {
        location["logicalLocations"] = json!([{ "fullyQualifiedName": path, "kind": "member" }]);
    }
    json!({
        "ruleId": rule_id,
        "ruleIndex": index,
        "level": level,
        "message": { "text": message },
        "locations": [location],
    })
}

/// The descriptor of the rule `id`: its descriptions, help and level.
fn descriptor(kind: &str, id: &str, origin: Origin) -> Value {
    let (short, help, level, tag) = match origin {
        Origin::Checker(Source::BufValidate) => (
            format!("buf.validate rule '{id}' of the {kind} protos."),
            format!(
                "The field breaks the buf.validate rule '{id}' declared in the {kind} \
                 protos (checked by protovalidate after the defaults are applied). Change the \
                 field named in the result so that it satisfies the rule; `planton validate` \
                 shows the rule's message and the source line."
            ),
            "error",
            "buf.validate",
        ),
        Origin::Checker(Source::Load) => {
            let what = planton_manifest::LoadRule::ALL
                .into_iter()
                .find(|r| r.id() == id)
                .map_or("", |r| r.description());
            (
                format!("Load rule '{id}': {what}"),
                format!(
                    "The file breaks '{id}', a rule of reading a {kind} manifest: {what} \
                     Fix the place named in the result; `planton validate` shows the message \
                     and, when the rest of the file loaded, the source line."
                ),
                "error",
                "load",
            )
        }
        Origin::Checker(_) => (
            format!("Kubernetes rule '{id}' enforced by the API server."),
            format!(
                "The field breaks '{id}', a rule the Kubernetes API server would enforce when \
                 the rendered objects are applied. Change the field named in the result; \
                 `planton validate` shows the rule's message and the source line."
            ),
            "error",
            "kubernetes",
        ),
        Origin::Load => (
            format!("The file does not load as a {kind} manifest."),
            format!(
                "The file could not be read, or is not well-formed YAML or JSON, or does not fit \
                 the {kind} schema (an unknown field, a value of the wrong type). Fix the \
                 place named in the message; no rule was checked."
            ),
            "error",
            "load",
        ),
        Origin::Omitted => (
            "More violations than shown for one file.".to_owned(),
            format!(
                "The report shows at most {} violations per file; run `planton validate` on \
                 the file to see them all.",
                report::MAX_SHOWN_PER_FILE
            ),
            "note",
            "report",
        ),
    };
    json!({
        "id": id,
        "shortDescription": { "text": short },
        "fullDescription": { "text": help },
        "help": { "text": help },
        "defaultConfiguration": { "level": level },
        "properties": { "tags": [tag] },
    })
}

/// A file name as a URI reference: relative names stay relative (GitHub
/// resolves them against the repository root), absolute ones become
/// `file://` URIs; every byte but the unreserved characters and `/` is
/// percent-encoded.
pub(crate) fn uri(file: &str) -> String {
    let mut out = String::with_capacity(file.len() + 8);
    if file.starts_with('/') {
        out.push_str("file://");
    }
    for b in file.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_become_uri_references() {
        assert_eq!(uri("jobs/a b.yaml"), "jobs/a%20b.yaml");
        assert_eq!(uri("/tmp/x:1#?.yml"), "file:///tmp/x%3A1%23%3F.yml");
        assert_eq!(uri("<stdin>"), "%3Cstdin%3E");
        assert_eq!(uri("é.json"), "%C3%A9.json");
    }
}

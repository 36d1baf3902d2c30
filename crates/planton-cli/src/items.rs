//! The inputs of a multi-file command: files named on the command line,
//! directories walked, standard input.

use std::path::PathBuf;

use crate::app::Failure;
use crate::args::WalkArgs;
use crate::batch;
use crate::input::{self, Source};
use planton_manifest::sanitize;

/// The compiled `--exclude` patterns.
pub(crate) fn walk_excludes(walk: &WalkArgs) -> Result<batch::Excludes, Failure> {
    Ok(batch::Excludes::new(&walk.exclude)?)
}

/// One input of a multi-file command.
pub(crate) enum Item {
    /// A file given on the command line.
    File(PathBuf),
    /// A file found in a directory (which the walk may hold open): read
    /// only if it is a regular file.
    Found(PathBuf, Option<std::sync::Arc<batch::OpenDir>>),
    /// Standard input.
    Stdin,
    /// A directory that could not be read.
    Unreadable(PathBuf, std::io::Error),
    /// A special file found in a directory, skipped with a note.
    Special(PathBuf, &'static str),
}

impl Item {
    pub(crate) fn name(&self) -> String {
        match self {
            // A UTF-8 path as it is; another one with its bad bytes
            // replaced (as `display` shows it).
            Item::File(p) | Item::Found(p, _) | Item::Unreadable(p, _) | Item::Special(p, _) => p
                .to_str()
                .map_or_else(|| p.display().to_string(), str::to_owned),
            Item::Stdin => "<stdin>".to_owned(),
        }
    }

    pub(crate) fn path(&self) -> Option<&std::path::Path> {
        match self {
            Item::File(p) | Item::Found(p, _) => Some(p),
            _ => None,
        }
    }

    pub(crate) fn read(&self) -> anyhow::Result<Source> {
        match self {
            Item::File(p) => input::read(p),
            Item::Found(p, dir) => input::read_regular(p, dir.as_deref()),
            Item::Stdin => input::read(std::path::Path::new("-")),
            Item::Unreadable(p, e) => Err(anyhow::anyhow!(
                "cannot read directory '{}': {e}",
                p.display()
            )),
            Item::Special(p, kind) => Err(anyhow::anyhow!(
                "'{}' is {kind}, not a regular file",
                p.display()
            )),
        }
    }

    /// The note for a file found in a directory walk that is not a Planton
    /// manifest: its top level is not a mapping, or has neither `apiVersion`
    /// nor `kind` (other YAML in a repository: CI configuration, Helm values).
    /// A file named on the command line is always a manifest.
    pub(crate) fn not_a_manifest(&self, text: &str) -> Option<String> {
        let Item::Found(path, _) = self else {
            return None;
        };
        not_a_manifest(text).map(|why| {
            format!(
                "note: skipped '{}': not a Planton manifest ({why})\n",
                sanitize::path(&path.display().to_string())
            )
        })
    }

    /// The note for a skipped special file.
    pub(crate) fn note(&self) -> Option<String> {
        match self {
            Item::Special(p, kind) => Some(format!(
                "note: skipped '{}': {kind}, not a regular file\n",
                sanitize::path(&p.display().to_string())
            )),
            _ => None,
        }
    }
}

/// Why `text` (a YAML or JSON document) is surely not a Planton manifest, if
/// it is not one: its top level has neither `apiVersion` nor `kind`, or it
/// has another tool's `apiVersion` (not `*.project-planton.org/*`) and a kind
/// planton does not know (a Kubernetes object). Anything else, a text that
/// does not parse included, is left to the loader, which says what is wrong.
/// A text naming `project-planton.org` is not parsed here; another one at
/// most once, within the loader's limits.
fn not_a_manifest(text: &str) -> Option<&'static str> {
    const NEITHER: &str = "no apiVersion/kind";
    if text.contains("project-planton.org") {
        return None;
    }
    if !text.contains("apiVersion") && !text.contains("api_version") && !text.contains("kind") {
        // Neither key can be present (a key is written out in full).
        return Some(NEITHER);
    }
    let top = match planton_manifest::yaml_to_json(text) {
        Ok(serde_json::Value::Object(top)) => top,
        // A manifest with a syntax error is still reported as one.
        Err(_) => return None,
        Ok(_) => return Some(NEITHER),
    };
    let api_version = top.get("apiVersion").or_else(|| top.get("api_version"));
    let kind = top.get("kind");
    match (api_version, kind) {
        (None, None) => Some(NEITHER),
        (Some(serde_json::Value::String(_)), kind)
            if !kind.and_then(|k| k.as_str()).is_some_and(|k| {
                planton_api::registry::supported_kinds().any(|known| known.name() == k)
            }) =>
        {
            Some("another apiVersion than *.project-planton.org")
        }
        _ => None,
    }
}

/// The inputs named on the command line, directories walked recursively
/// (skipping `exclude`, and what `globs` match), and how many there are:
/// counted in full (a walk of its own) only when a progress bar is drawn,
/// else up to two (one input, or more).
pub(crate) fn items<'a>(
    args: &'a [PathBuf],
    exclude: Option<&'a std::path::Path>,
    globs: &'a batch::Excludes,
) -> (impl Iterator<Item = Item> + Send + 'a, usize) {
    let cap = if batch::progress_shown() {
        usize::MAX
    } else {
        2
    };
    let total = args
        .iter()
        .map(|a| {
            if a.is_dir() {
                batch::count(a, globs, cap).max(1)
            } else {
                1
            }
        })
        .sum();
    (walk(args, exclude, globs), total)
}

/// The inputs named on the command line, directories walked recursively
/// (skipping `exclude`, and what `globs` match).
pub(crate) fn walk<'a>(
    args: &'a [PathBuf],
    exclude: Option<&'a std::path::Path>,
    globs: &'a batch::Excludes,
) -> impl Iterator<Item = Item> + Send + 'a {
    args.iter()
        .flat_map(move |arg| -> Box<dyn Iterator<Item = Item> + Send> {
            if arg.as_os_str() == "-" {
                Box::new(std::iter::once(Item::Stdin))
            } else if arg.is_dir() {
                if batch::count(arg, globs, 1) == 0 {
                    let none = std::io::Error::other(if globs.is_empty() {
                        "no manifests (*.yaml, *.yml, *.json) in it"
                    } else {
                        "no manifests (*.yaml, *.yml, *.json) in it that --exclude leaves"
                    });
                    return Box::new(std::iter::once(Item::Unreadable(arg.clone(), none)));
                }
                Box::new(
                    batch::Walk::new(arg)
                        .excluding(exclude)
                        .excluding_globs(globs)
                        .map(|found| match found {
                            batch::Found::File(p, dir) => Item::Found(p, dir),
                            batch::Found::Special(p, kind) => Item::Special(p, kind),
                            batch::Found::Unreadable(p, e) => Item::Unreadable(p, e),
                        }),
                )
            } else {
                Box::new(std::iter::once(Item::File(arg.clone())))
            }
        })
}

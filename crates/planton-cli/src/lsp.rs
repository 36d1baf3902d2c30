//! `planton lsp`: a language server on standard input and output.
//!
//! Built on rust-analyzer's `lsp-server` (the message loop, synchronous, on
//! crossbeam channels) and `lsp-types`: the server needs no async runtime,
//! and every request is answered in well under a millisecond.
//!
//! - **Diagnostics** on open and on every change (full text sync): the load
//!   errors, one per field, and every `buf.validate` and Kubernetes rule, from
//!   the same outcome as `planton validate` ([`report::outcome`]) and with the
//!   same regions as `validate -o sarif` ([`report::regions`]); the rule id is
//!   the diagnostic's `code`, warnings are warnings.
//! - **Completion** of field names (under the parent key the cursor is in,
//!   without those its block sets already) and of values (enum names, a string field's allowed values, booleans).
//! - **Hover** on a key: the field's proto comment, type and default.
//! - **Quick fix** for "did you mean": replaces the unknown name.
//!
//! Completion and hover follow YAML block style (indentation and `- ` list
//! items); flow style (`{...}`) gets diagnostics only.

use std::collections::HashMap;
use std::io::{self, BufRead, Read, Write};
use std::thread;

use lsp_server::{Connection, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidCloseTextDocument, DidOpenTextDocument, Notification as _,
    PublishDiagnostics,
};
use lsp_types::request::{CodeActionRequest, Completion, HoverRequest, Request as _};
use lsp_types::{
    CodeAction, CodeActionKind, CodeActionOrCommand, CodeActionParams,
    CodeActionProviderCapability, CompletionItem, CompletionItemKind, CompletionOptions,
    CompletionParams, CompletionResponse, Diagnostic, DiagnosticSeverity, Documentation, Hover,
    HoverContents, HoverParams, HoverProviderCapability, MarkupContent, MarkupKind, NumberOrString,
    Position, PublishDiagnosticsParams, Range, ServerCapabilities, TextDocumentSyncCapability,
    TextDocumentSyncKind, TextEdit, Uri, WorkspaceEdit,
};
use planton_api::prost_reflect::{FieldDescriptor, Kind, MessageDescriptor, ReflectMessage};
use planton_kubernetes_job::JobValidator;
use planton_manifest::component::{CheckError, Component, Engine};
use planton_manifest::{Location, Severity, Source};
use serde_json::Value as Json;

use crate::report;
use planton_manifest::sanitize;

/// The most diagnostics published for one document.
pub(crate) const MAX_DIAGNOSTICS: usize = 1000;
/// The most documents held open at once; older ones are dropped first.
const MAX_DOCUMENTS: usize = 256;
/// The most bytes of text held for the other documents besides the one
/// being edited (itself at most [`MAX_FRAME`]); older ones are dropped first.
const MAX_HELD_BYTES: usize = 64 << 20;
/// The most parent lines looked at to find the keys around the cursor.
const MAX_CONTEXT_LINES: usize = 10_000;
/// The deepest key path resolved for completion and hover.
const MAX_PATH: usize = 100;

/// The largest message body read: a document at the loader's 4 MiB limit,
/// escaped as JSON, with room to spare. A larger `Content-Length` ends the
/// session with an error before anything is allocated for it.
const MAX_FRAME: usize = 32 << 20;
/// The longest header line read.
const MAX_HEADER_LINE: u64 = 1024;

/// Runs the server until the client says `exit`.
pub(crate) fn run(validator: &'static JobValidator) -> anyhow::Result<()> {
    let (connection, threads) = bounded_stdio();
    let capabilities = ServerCapabilities {
        text_document_sync: Some(TextDocumentSyncCapability::Kind(TextDocumentSyncKind::FULL)),
        completion_provider: Some(CompletionOptions {
            trigger_characters: Some(vec![":".into(), " ".into()]),
            ..CompletionOptions::default()
        }),
        hover_provider: Some(HoverProviderCapability::Simple(true)),
        code_action_provider: Some(CodeActionProviderCapability::Simple(true)),
        ..ServerCapabilities::default()
    };
    let caps = serde_json::to_value(capabilities)?;
    if let Err(e) = connection.initialize(caps) {
        // The input's own error, if that is why, says more.
        drop(connection);
        let (reader, _) = threads;
        if let Ok(Err(read)) = reader.join() {
            return Err(anyhow::anyhow!("LSP input: {read}"));
        }
        return Err(anyhow::anyhow!("LSP initialization failed: {e}"));
    }
    let mut server = Server::new(validator);
    for message in &connection.receiver {
        match message {
            Message::Request(req) => {
                if connection
                    .handle_shutdown(&req)
                    .map_err(|e| anyhow::anyhow!("LSP shutdown failed: {e}"))?
                {
                    break;
                }
                let response = server.request(req);
                connection.sender.send(Message::Response(response))?;
            }
            Message::Notification(n) => {
                for out in server.notification(n) {
                    connection.sender.send(Message::Notification(out))?;
                }
            }
            Message::Response(_) => {}
        }
    }
    drop(connection);
    let (reader, writer) = threads;
    let read = reader
        .join()
        .map_err(|_| anyhow::anyhow!("the LSP reader thread panicked"))?;
    writer
        .join()
        .map_err(|_| anyhow::anyhow!("the LSP writer thread panicked"))??;
    read.map_err(|e| anyhow::anyhow!("LSP input: {e}"))
}

/// The reader and writer threads of [`bounded_stdio`].
type IoThreads = (
    thread::JoinHandle<io::Result<()>>,
    thread::JoinHandle<io::Result<()>>,
);

/// A connection over standard input and output like
/// `Connection::stdio`, but whose reader bounds what it reads: header lines
/// of at most [`MAX_HEADER_LINE`] bytes and bodies of at most [`MAX_FRAME`]
/// (lsp-server's own reader allocates whatever `Content-Length` says).
fn bounded_stdio() -> (Connection, IoThreads) {
    let (server, client) = Connection::memory();
    let Connection { sender, receiver } = client;
    let reader = thread::spawn(move || -> io::Result<()> {
        let stdin = io::stdin();
        let mut input = stdin.lock();
        while let Some(body) = read_frame(&mut input)? {
            // The frame again, now known to be small, for lsp-server to parse.
            let mut frame = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
            frame.extend_from_slice(&body);
            let Some(message) = Message::read(&mut &frame[..])? else {
                break;
            };
            let exit = matches!(&message, Message::Notification(n) if n.method == "exit");
            if sender.send(message).is_err() || exit {
                break;
            }
        }
        Ok(())
    });
    let writer = thread::spawn(move || -> io::Result<()> {
        let stdout = io::stdout();
        let mut output = stdout.lock();
        for message in receiver {
            message.write(&mut output)?;
        }
        output.flush()
    });
    (server, (reader, writer))
}

/// The body of the next LSP frame, `None` at the end of the input. Errors
/// (without allocating) on a header line over [`MAX_HEADER_LINE`] bytes or
/// a `Content-Length` over [`MAX_FRAME`].
fn read_frame(input: &mut impl BufRead) -> io::Result<Option<Vec<u8>>> {
    let invalid = |what: String| io::Error::new(io::ErrorKind::InvalidData, what);
    let mut length = None;
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = input
            .by_ref()
            .take(MAX_HEADER_LINE + 1)
            .read_until(b'\n', &mut line)?;
        if n == 0 {
            return if length.is_none() {
                Ok(None)
            } else {
                Err(invalid("the input ended inside a header".into()))
            };
        }
        let Some(header) = line.strip_suffix(b"\r\n") else {
            return Err(invalid(format!(
                "a header line that is not CRLF-terminated or is over {MAX_HEADER_LINE} bytes"
            )));
        };
        if header.is_empty() {
            break;
        }
        let header = String::from_utf8_lossy(header);
        if let Some((name, value)) = header.split_once(": ")
            && name.eq_ignore_ascii_case("Content-Length")
        {
            let n: usize = value
                .trim()
                .parse()
                .map_err(|_| invalid("a Content-Length that is not a number".into()))?;
            if n > MAX_FRAME {
                return Err(invalid(format!(
                    "a message of {n} bytes, over the limit of {MAX_FRAME}"
                )));
            }
            length = Some(n);
        }
    }
    let length = length.ok_or_else(|| invalid("a message without Content-Length".into()))?;
    let mut body = vec![0; length];
    input.read_exact(&mut body)?;
    Ok(Some(body))
}

/// The open documents and what answers requests about them.
pub(crate) struct Server {
    validator: &'static JobValidator,
    schema: Json,
    root: MessageDescriptor,
    /// The open documents' texts, by URI.
    documents: HashMap<String, String>,
    /// Opening order, to drop the oldest past [`MAX_DOCUMENTS`].
    order: Vec<String>,
}

impl Server {
    pub(crate) fn new(validator: &'static JobValidator) -> Self {
        Server {
            validator,
            schema: validator.json_schema(),
            root: planton_api::KubernetesJob::default().descriptor(),
            documents: HashMap::new(),
            order: Vec::new(),
        }
    }

    /// Handles a notification from the client: the diagnostics to publish.
    pub(crate) fn notification(&mut self, n: Notification) -> Vec<Notification> {
        let (uri, version) = match n.method.as_str() {
            DidOpenTextDocument::METHOD => {
                let Ok(p) =
                    n.extract::<lsp_types::DidOpenTextDocumentParams>(DidOpenTextDocument::METHOD)
                else {
                    return Vec::new();
                };
                let uri = p.text_document.uri;
                self.open(&uri, p.text_document.text);
                (uri, p.text_document.version)
            }
            DidChangeTextDocument::METHOD => {
                let Ok(p) = n.extract::<lsp_types::DidChangeTextDocumentParams>(
                    DidChangeTextDocument::METHOD,
                ) else {
                    return Vec::new();
                };
                // Full sync: the last change holds the whole text.
                let Some(change) = p.content_changes.into_iter().last() else {
                    return Vec::new();
                };
                let uri = p.text_document.uri;
                self.open(&uri, change.text);
                (uri, p.text_document.version)
            }
            DidCloseTextDocument::METHOD => {
                let Ok(p) = n
                    .extract::<lsp_types::DidCloseTextDocumentParams>(DidCloseTextDocument::METHOD)
                else {
                    return Vec::new();
                };
                let uri = p.text_document.uri;
                self.documents.remove(uri.as_str());
                self.order.retain(|u| u != uri.as_str());
                // Clear what was published for it.
                return vec![publish(uri, Vec::new(), None)];
            }
            _ => return Vec::new(),
        };
        let text = self.documents.get(uri.as_str()).map_or("", String::as_str);
        let found = diagnostics(self.validator.engine(), text);
        vec![publish(uri, found, Some(version))]
    }

    fn open(&mut self, uri: &Uri, text: String) {
        let uri = uri.as_str().to_owned();
        if self.documents.insert(uri.clone(), text).is_none() {
            self.order.push(uri.clone());
            if self.order.len() > MAX_DOCUMENTS {
                let oldest = self.order.remove(0);
                self.documents.remove(&oldest);
            }
        }
        // The oldest others go first while the texts held are over the cap.
        let mut held: usize = self.documents.values().map(String::len).sum();
        let mut i = 0;
        while held > MAX_HELD_BYTES && i < self.order.len() {
            if self.order[i] == uri {
                i += 1;
                continue;
            }
            let oldest = self.order.remove(i);
            held -= self.documents.remove(&oldest).map_or(0, |t| t.len());
        }
    }

    fn request(&mut self, req: Request) -> Response {
        let id = req.id.clone();
        let result = match req.method.as_str() {
            Completion::METHOD => req
                .extract::<CompletionParams>(Completion::METHOD)
                .ok()
                .map(|(_, p)| {
                    let pos = p.text_document_position;
                    let text = self.text(&pos.text_document.uri);
                    let items = self.completion(text, pos.position);
                    serde_json::to_value(CompletionResponse::Array(items))
                }),
            HoverRequest::METHOD => {
                req.extract::<HoverParams>(HoverRequest::METHOD)
                    .ok()
                    .map(|(_, p)| {
                        let pos = p.text_document_position_params;
                        let text = self.text(&pos.text_document.uri);
                        serde_json::to_value(self.hover(text, pos.position))
                    })
            }
            CodeActionRequest::METHOD => req
                .extract::<CodeActionParams>(CodeActionRequest::METHOD)
                .ok()
                .map(|(_, p)| serde_json::to_value(code_actions(&p))),
            _ => {
                return Response::new_err(
                    id,
                    lsp_server::ErrorCode::MethodNotFound as i32,
                    format!(
                        "unsupported request '{}'",
                        sanitize::clean_to(&req.method, 64)
                    ),
                );
            }
        };
        match result {
            Some(Ok(value)) => Response::new_ok(id, value),
            _ => invalid_params(id),
        }
    }

    fn text(&self, uri: &Uri) -> &str {
        self.documents.get(uri.as_str()).map_or("", String::as_str)
    }

    /// The schema of a field: its description, default and allowed values.
    fn field_schema(&self, field: &FieldDescriptor) -> &Json {
        &self.schema["definitions"][field.parent_message().full_name()]["properties"]
            [field.json_name()]
    }

    /// Completion items at `position` of `text`.
    pub(crate) fn completion(&self, text: &str, position: Position) -> Vec<CompletionItem> {
        let Some(cx) = context(text, position) else {
            return Vec::new();
        };
        let Some(target) = resolve(&self.root, &cx.parents) else {
            return Vec::new();
        };
        match (&cx.at, target) {
            (At::Key, Target::Message(m)) => m
                .fields()
                .filter(|f| {
                    // Not a field the block sets already (under either name).
                    !cx.siblings
                        .iter()
                        .any(|k| field_named(&m, k).is_some_and(|g| g.number() == f.number()))
                })
                .map(|f| {
                    let schema = self.field_schema(&f);
                    CompletionItem {
                        label: f.json_name().to_owned(),
                        kind: Some(CompletionItemKind::FIELD),
                        detail: Some(type_name(&f)),
                        documentation: markdown(schema).map(|value| {
                            Documentation::MarkupContent(MarkupContent {
                                kind: MarkupKind::Markdown,
                                value,
                            })
                        }),
                        insert_text: Some(format!("{}: ", f.json_name())),
                        ..CompletionItem::default()
                    }
                })
                .collect(),
            (At::Value { key }, Target::Message(m)) => {
                let Some(field) = field_named(&m, key) else {
                    return Vec::new();
                };
                values(&field, self.field_schema(&field))
                    .into_iter()
                    .map(|v| CompletionItem {
                        label: v,
                        kind: Some(CompletionItemKind::ENUM_MEMBER),
                        ..CompletionItem::default()
                    })
                    .collect()
            }
            _ => Vec::new(),
        }
    }

    /// The documentation of the key at `position`, when the cursor is on one.
    pub(crate) fn hover(&self, text: &str, position: Position) -> Option<Hover> {
        let cx = context(text, position)?;
        let (key, range) = cx.key_under_cursor?;
        let Target::Message(m) = resolve(&self.root, &cx.parents)? else {
            return None;
        };
        let field = field_named(&m, &key)?;
        let schema = self.field_schema(&field);
        let mut value = format!("**{}** `{}`", field.json_name(), type_name(&field));
        if let Some(doc) = markdown(schema) {
            value.push_str("\n\n");
            value.push_str(&doc);
        }
        Some(Hover {
            contents: HoverContents::Markup(MarkupContent {
                kind: MarkupKind::Markdown,
                value,
            }),
            range: Some(range),
        })
    }
}

fn invalid_params(id: RequestId) -> Response {
    Response::new_err(
        id,
        lsp_server::ErrorCode::InvalidParams as i32,
        "invalid parameters".to_owned(),
    )
}

fn publish(uri: Uri, diagnostics: Vec<Diagnostic>, version: Option<i32>) -> Notification {
    Notification::new(
        PublishDiagnostics::METHOD.to_owned(),
        PublishDiagnosticsParams {
            uri,
            diagnostics,
            version,
        },
    )
}

/// The diagnostics of a manifest's text: what `planton validate` reports,
/// at the regions `validate -o sarif` gives, at most [`MAX_DIAGNOSTICS`].
pub(crate) fn diagnostics<C: Component>(engine: &Engine<C>, text: &str) -> Vec<Diagnostic> {
    let result = engine.check(text);
    // The load errors one by one: the outcome keeps their joined text only.
    if let Err(CheckError::Load(e)) = &result {
        let errors = report::load_errors(text, e);
        let ends: Vec<Location> = errors
            .iter()
            .flat_map(|(_, _, r)| r.map_or([Location::new(1, 1); 2], |(s, e)| [s, e]))
            .collect();
        let positions = report::utf16_positions(text, &ends);
        return errors
            .into_iter()
            .zip(positions.chunks(2))
            .map(|((rule, message, _), ends)| Diagnostic {
                range: range(ends[0], ends[1]),
                severity: Some(DiagnosticSeverity::ERROR),
                code: Some(NumberOrString::String(rule.into())),
                source: Some("planton".into()),
                message,
                ..Diagnostic::default()
            })
            .collect();
    }
    match report::from_check("document", result, false) {
        report::Outcome::Error {
            message, location, ..
        } => {
            let at = location.unwrap_or(Location::new(1, 1));
            let p = report::utf16_positions(text, &[at]);
            vec![Diagnostic {
                range: range(p[0], p[0]),
                severity: Some(DiagnosticSeverity::ERROR),
                source: Some("planton".into()),
                message,
                ..Diagnostic::default()
            }]
        }
        report::Outcome::Checked {
            violations, spans, ..
        } => {
            let shown = &violations[..violations.len().min(MAX_DIAGNOSTICS)];
            let regions = report::regions(text, shown, &spans);
            let ends: Vec<Location> = regions
                .iter()
                .flat_map(|r| r.map_or([Location::new(1, 1); 2], |(s, e)| [s, e]))
                .collect();
            let positions = report::utf16_positions(text, &ends);
            shown
                .iter()
                .zip(positions.chunks(2))
                .map(|(v, ends)| Diagnostic {
                    range: range(ends[0], ends[1]),
                    severity: Some(match v.severity {
                        Severity::Warning => DiagnosticSeverity::WARNING,
                        _ => DiagnosticSeverity::ERROR,
                    }),
                    code: Some(NumberOrString::String(
                        sanitize::clean(&v.rule_id).into_owned(),
                    )),
                    source: Some(
                        match v.source {
                            Source::BufValidate => "planton (buf.validate)",
                            Source::Load => "planton (load)",
                            _ => "planton (kubernetes)",
                        }
                        .into(),
                    ),
                    message: format!(
                        "{}: {}",
                        sanitize::clean(&v.field_path),
                        sanitize::clean(&v.message)
                    ),
                    ..Diagnostic::default()
                })
                .collect()
        }
    }
}

fn range(start: (u32, u32), end: (u32, u32)) -> Range {
    Range {
        start: Position::new(start.0, start.1),
        end: Position::new(end.0, end.1),
    }
}

/// The quick fixes for the diagnostics of a request: "did you mean 'x'"
/// replaces the diagnostic's range with `x`.
fn code_actions(p: &CodeActionParams) -> Vec<CodeActionOrCommand> {
    p.context
        .diagnostics
        .iter()
        .filter_map(|d| {
            let (_, rest) = d.message.split_once("(did you mean '")?;
            let (suggestion, _) = rest.split_once("'?)")?;
            let edit = TextEdit {
                range: d.range,
                new_text: suggestion.to_owned(),
            };
            // `Uri` caches its parse in a cell, not read by `Hash` or `Eq`.
            #[allow(clippy::mutable_key_type)]
            let changes = HashMap::from([(p.text_document.uri.clone(), vec![edit])]);
            Some(CodeActionOrCommand::CodeAction(CodeAction {
                title: format!("Replace with '{suggestion}'"),
                kind: Some(CodeActionKind::QUICKFIX),
                diagnostics: Some(vec![d.clone()]),
                edit: Some(WorkspaceEdit {
                    changes: Some(changes),
                    ..WorkspaceEdit::default()
                }),
                is_preferred: Some(true),
                ..CodeAction::default()
            }))
        })
        .collect()
}

/// The field `key` names in `m` (JSON name or proto name).
fn field_named(m: &MessageDescriptor, key: &str) -> Option<FieldDescriptor> {
    m.get_field_by_json_name(key)
        .or_else(|| m.get_field_by_name(key))
}

/// What a key path leads to.
enum Target {
    /// A message: its fields are the keys.
    Message(MessageDescriptor),
    /// A map: its keys are the user's names.
    Map(FieldDescriptor),
    /// A scalar.
    Scalar,
}

/// Follows `path` (keys from the top) through the descriptors.
fn resolve(root: &MessageDescriptor, path: &[String]) -> Option<Target> {
    let mut at = Target::Message(root.clone());
    for key in path.iter().take(MAX_PATH) {
        at = match at {
            Target::Message(m) => {
                let field = field_named(&m, key)?;
                if field.is_map() {
                    Target::Map(field)
                } else if let Kind::Message(sub) = field.kind() {
                    Target::Message(sub)
                } else {
                    Target::Scalar
                }
            }
            Target::Map(field) => {
                let Kind::Message(entry) = field.kind() else {
                    return None;
                };
                match entry.map_entry_value_field().kind() {
                    Kind::Message(sub) => Target::Message(sub),
                    _ => Target::Scalar,
                }
            }
            Target::Scalar => return None,
        };
    }
    Some(at)
}

/// A field's type as a reader knows it.
fn type_name(f: &FieldDescriptor) -> String {
    let kind = |k: &Kind| match k {
        Kind::Message(m) => m.name().to_owned(),
        Kind::Enum(e) => e.name().to_owned(),
        Kind::String => "string".into(),
        Kind::Bool => "bool".into(),
        Kind::Bytes => "bytes".into(),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => "int32".into(),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => "int64".into(),
        Kind::Uint32 | Kind::Fixed32 => "uint32".into(),
        Kind::Uint64 | Kind::Fixed64 => "uint64".into(),
        Kind::Float => "float".into(),
        Kind::Double => "double".into(),
    };
    if f.is_map()
        && let Kind::Message(entry) = f.kind()
    {
        return format!(
            "map<{}, {}>",
            kind(&entry.map_entry_key_field().kind()),
            kind(&entry.map_entry_value_field().kind())
        );
    }
    if f.is_list() {
        return format!("list of {}", kind(&f.kind()));
    }
    kind(&f.kind())
}

/// The documentation of a field from its schema: description and default.
fn markdown(schema: &Json) -> Option<String> {
    let mut out = schema["markdownDescription"]
        .as_str()
        .unwrap_or_default()
        .to_owned();
    if !schema["default"].is_null() {
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        out.push_str(&format!("Default: `{}`", schema["default"]));
    }
    (!out.is_empty()).then_some(out)
}

/// The values offered for `field`: enum names, a string's allowed values,
/// booleans.
fn values(field: &FieldDescriptor, schema: &Json) -> Vec<String> {
    if field.is_list() || field.is_map() {
        return Vec::new();
    }
    match field.kind() {
        Kind::Enum(e) => e.values().map(|v| v.name().to_owned()).collect(),
        Kind::Bool => vec!["true".into(), "false".into()],
        Kind::String => schema["enum"]
            .as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Where the cursor is in a block-style YAML document.
#[derive(Debug)]
struct Context {
    /// The keys of the mappings that hold the cursor's line, from the top.
    parents: Vec<String>,
    /// Whether a key or a value is being written.
    at: At,
    /// The key the cursor is on, and its range.
    key_under_cursor: Option<(String, Range)>,
    /// The other keys of the cursor's block (none in a list item).
    siblings: Vec<String>,
}

#[derive(Debug)]
enum At {
    /// Writing a key (the characters typed so far).
    Key,
    /// Writing the value of `key`.
    Value { key: String },
}

/// A line split into its indentation, list markers and entry.
struct Entry<'a> {
    /// The byte column where the entry (after `- ` markers) starts.
    column: usize,
    /// The byte column of the first `- ` marker, if any.
    dash: Option<usize>,
    /// The entry's text.
    rest: &'a str,
}

fn entry(line: &str) -> Entry<'_> {
    let mut column = line.len() - line.trim_start_matches(' ').len();
    let mut dash = None;
    while line[column..].starts_with("- ") || &line[column..] == "-" {
        dash.get_or_insert(column);
        column += 1;
        column += line[column..].len() - line[column..].trim_start_matches(' ').len();
    }
    Entry {
        column,
        dash,
        rest: &line[column..],
    }
}

/// The key of an entry (`key:` or `key: value`), without quotes.
fn key_of(rest: &str) -> Option<&str> {
    let end = rest
        .find(": ")
        .or_else(|| rest.strip_suffix(':').map(str::len))
        .or_else(|| rest.find(":\t"))?;
    let key = rest[..end].trim();
    let key = key
        .strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .or_else(|| key.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')))
        .unwrap_or(key);
    (!key.is_empty() && !key.starts_with('#')).then_some(key)
}

/// Whether an entry opens a nested block: `key:` with nothing after but a
/// comment.
fn opens_block(rest: &str) -> bool {
    let Some(i) = rest.find(':') else {
        return false;
    };
    let after = rest[i + 1..].trim();
    after.is_empty() || after.starts_with('#')
}

/// The context of `position` in `text`; `None` past the end.
fn context(text: &str, position: Position) -> Option<Context> {
    let at = report::utf16_offset(text, position.line, position.character)?;
    let line_start = text[..at].rfind(['\n', '\r']).map_or(0, |i| i + 1);
    let line_end = text[at..].find(['\n', '\r']).map_or(text.len(), |i| at + i);
    let line = &text[line_start..line_end];
    let cursor = at - line_start;
    let here = entry(line);
    let before = &line[here.column.min(cursor)..cursor];
    let (at_kind, key_under_cursor) = match key_of(here.rest) {
        Some(key) if cursor > here.column + here.rest.find(':').unwrap_or(0) => (
            At::Value {
                key: key.to_owned(),
            },
            None,
        ),
        Some(key) => {
            let start = line[..here.column].encode_utf16().count() as u32;
            let width = here.rest[..here.rest.find(':').unwrap_or(0)]
                .trim_end()
                .encode_utf16()
                .count() as u32;
            let range = Range {
                start: Position::new(position.line, start),
                end: Position::new(position.line, start + width),
            };
            (At::Key, Some((key.to_owned(), range)))
        }
        None if before.contains(':') => return None,
        None => (At::Key, None),
    };
    // The indentation the parents must be left of: the entry's column, or
    // the cursor's on a blank line.
    let mut indent = if here.rest.trim().is_empty() && here.dash.is_none() {
        cursor
    } else {
        here.dash.unwrap_or(here.column)
    };
    // The column of the cursor's block, for its other keys (not in a list
    // item, whose keys may start on the dash's line).
    let block = (here.dash.is_none()).then_some(indent);
    let mut parents = Vec::new();
    // Whether `indent` is a list item's dash: `key:` then `- item` may share
    // a column.
    let mut in_item = here.dash.is_some() && indent == here.dash.unwrap_or(0);
    for l in text[..line_start].lines().rev().take(MAX_CONTEXT_LINES) {
        if indent == 0 && !in_item {
            break;
        }
        let e = entry(l);
        if e.rest.trim().is_empty() || e.rest.starts_with('#') {
            continue;
        }
        if let Some(d) = e.dash
            && d < indent
        {
            // An item of the list we are in (its keys are our siblings), or
            // the item holding our block.
            let inner = indent;
            indent = d;
            in_item = true;
            if e.column < inner {
                // `- key:` holding our block: `key` is a parent.
                if !opens_block(e.rest) {
                    return None;
                }
                parents.push(key_of(e.rest)?.to_owned());
            }
            continue;
        }
        if e.column < indent || (in_item && e.column == indent && e.dash.is_none()) {
            if !opens_block(e.rest) {
                return None;
            }
            parents.push(key_of(e.rest)?.to_owned());
            indent = e.column;
            in_item = false;
        }
    }
    parents.reverse();
    Some(Context {
        parents,
        at: at_kind,
        key_under_cursor,
        siblings: siblings(text, line_start, line_end, block),
    })
}

/// The keys of the block at column `block` around the line
/// `line_start..line_end`: the lines above and below at that column, up to
/// a line left of it. At most [`MAX_CONTEXT_LINES`] each way.
fn siblings(text: &str, line_start: usize, line_end: usize, block: Option<usize>) -> Vec<String> {
    let Some(block) = block else {
        return Vec::new();
    };
    let mut keys = Vec::new();
    let mut take = |l: &str| -> bool {
        let e = entry(l);
        if e.rest.trim().is_empty() || e.rest.starts_with('#') {
            return true;
        }
        let left = e.dash.unwrap_or(e.column);
        if left < block {
            return false;
        }
        if e.dash.is_none()
            && e.column == block
            && let Some(k) = key_of(e.rest)
        {
            keys.push(k.to_owned());
        }
        true
    };
    for l in text[..line_start].lines().rev().take(MAX_CONTEXT_LINES) {
        if !take(l) {
            break;
        }
    }
    for l in text[line_end..].lines().take(MAX_CONTEXT_LINES) {
        if !take(l) {
            break;
        }
    }
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server() -> Server {
        let validator = Box::leak(Box::new(JobValidator::new().unwrap()));
        Server::new(validator)
    }

    const BROKEN: &str = "\
apiVersion: kubernetes.project-planton.org/v1
kind: KubernetesJob
metadata:
  name: nightly
spec:
  namespace: {value: batch}
  image: {repo: busybox, tag: latest}
  restartPolicy: Always
  env:
    secrets:
      bad name: {value: hunter2-secret-value}
";

    #[test]
    fn diagnostics_carry_rule_ids_ranges_and_no_secret() {
        let v = JobValidator::new().unwrap();
        let d = diagnostics(v.engine(), BROKEN);
        let found: Vec<(String, u32, u32, u32)> = d
            .iter()
            .map(|d| {
                let NumberOrString::String(code) = d.code.clone().unwrap() else {
                    panic!()
                };
                (
                    code,
                    d.range.start.line,
                    d.range.start.character,
                    d.range.end.character,
                )
            })
            .collect();
        assert!(
            found.contains(&("string.in".into(), 7, 17, 23)),
            "{found:?}"
        );
        for d in &d {
            assert!(!d.message.contains("hunter2"), "{}", d.message);
        }
    }

    #[test]
    fn load_errors_are_one_diagnostic_per_field_with_a_quick_fix() {
        let v = JobValidator::new().unwrap();
        let text = "kind: KubernetesJob\nspec:\n  backofLimit: 3\n  parallelism: x\n";
        // The loader skips both and goes on: the rest is validated too.
        let all = diagnostics(v.engine(), text);
        assert!(
            all.iter()
                .any(|d| d.code == Some(NumberOrString::String("required".into())))
        );
        let d: Vec<Diagnostic> = all
            .into_iter()
            .filter(|d| d.source.as_deref() == Some("planton (load)"))
            .collect();
        assert_eq!(d.len(), 2, "{d:?}");
        assert_eq!(d[0].range, range((2, 2), (2, 13)));
        let codes: Vec<_> = d.iter().map(|d| d.code.clone()).collect();
        assert_eq!(
            codes,
            [
                Some(NumberOrString::String("load.unknown_field".into())),
                Some(NumberOrString::String("load.type".into()))
            ]
        );
        assert!(
            d[0].message.contains("did you mean 'backoffLimit'"),
            "{}",
            d[0].message
        );
        assert_eq!(d[1].range, range((3, 15), (3, 16)));
        let uri: Uri = "file:///job.yaml".parse().unwrap();
        let p = CodeActionParams {
            text_document: lsp_types::TextDocumentIdentifier { uri: uri.clone() },
            range: d[0].range,
            context: lsp_types::CodeActionContext {
                diagnostics: d.clone(),
                ..Default::default()
            },
            work_done_progress_params: Default::default(),
            partial_result_params: Default::default(),
        };
        let actions = code_actions(&p);
        assert_eq!(actions.len(), 1);
        let CodeActionOrCommand::CodeAction(a) = &actions[0] else {
            panic!()
        };
        let edits = &a.edit.as_ref().unwrap().changes.as_ref().unwrap()[&uri];
        assert_eq!(edits[0].new_text, "backoffLimit");
        assert_eq!(edits[0].range, d[0].range);
    }

    #[test]
    fn held_texts_are_capped_oldest_first() {
        let mut s = server();
        let big = "x".repeat(20 << 20);
        for i in 0..5 {
            let uri: Uri = format!("file:///{i}.yaml").parse().unwrap();
            s.open(&uri, big.clone());
        }
        let held: usize = s.documents.values().map(String::len).sum();
        assert!(held <= MAX_HELD_BYTES, "{held}");
        // The newest stays; the oldest went first.
        assert!(s.documents.contains_key("file:///4.yaml"));
        assert!(!s.documents.contains_key("file:///0.yaml"));
        assert_eq!(s.order.len(), s.documents.len());
    }

    #[test]
    fn frames_are_read_within_their_bounds() {
        let frame = |text: &str| read_frame(&mut text.as_bytes());
        let body = r#"{"jsonrpc":"2.0","method":"exit"}"#;
        let ok = format!(
            "Content-Length: {}\r\nContent-Type: x\r\n\r\n{body}",
            body.len()
        );
        assert_eq!(frame(&ok).unwrap().unwrap(), body.as_bytes());
        assert!(frame("").unwrap().is_none(), "end of input");
        // A huge length is refused before any allocation for it.
        let huge = frame("Content-Length: 999999999999999\r\n\r\n").unwrap_err();
        assert!(huge.to_string().contains("over the limit"), "{huge}");
        let long_line = format!("X-{}: y\r\n\r\n", "a".repeat(4096));
        assert!(frame(&long_line).is_err());
        assert!(frame("Content-Length: 5\n\n{}").is_err(), "LF only");
        assert!(frame("Content-Length: x\r\n\r\n").is_err());
        assert!(frame("X: y\r\n\r\n").is_err(), "no length");
        assert!(frame("Content-Length: 10\r\n\r\n{}").is_err(), "short body");
    }

    #[test]
    fn positions_count_utf16_units() {
        let v = JobValidator::new().unwrap();
        let text = "kind: KubernetesJob\nmetadata: {name: \"😀😀\", badKey: 1}\n";
        let d = diagnostics(v.engine(), text);
        let bad_key = d
            .iter()
            .find(|d| d.code == Some(NumberOrString::String("load.unknown_field".into())))
            .unwrap();
        // "badKey" starts at character 23 (0-based): UTF-16 unit 25, as
        // each emoji is two units.
        assert_eq!(bad_key.range, range((1, 25), (1, 31)), "{d:?}");
    }

    fn labels(items: Vec<CompletionItem>) -> Vec<String> {
        items.into_iter().map(|i| i.label).collect()
    }

    #[test]
    fn completion_follows_the_indentation() {
        let s = server();
        let text = "kind: KubernetesJob\nspec:\n  back\n  image:\n    \n  volumeMounts:\n    - name: x\n      \n  restartPolicy: \n";
        let spec = labels(s.completion(text, Position::new(2, 6)));
        assert!(spec.contains(&"backoffLimit".to_owned()), "{spec:?}");
        // Set already in that block.
        assert!(!spec.contains(&"restartPolicy".to_owned()), "{spec:?}");
        let image = labels(s.completion(text, Position::new(4, 4)));
        assert!(image.contains(&"repo".to_owned()), "{image:?}");
        assert!(!image.contains(&"backoffLimit".to_owned()));
        let mount = labels(s.completion(text, Position::new(7, 6)));
        assert!(mount.contains(&"mountPath".to_owned()), "{mount:?}");
        let policy = labels(s.completion(text, Position::new(8, 17)));
        assert_eq!(policy, ["OnFailure", "Never"]);
        let top = labels(s.completion(text, Position::new(1, 0)));
        assert!(top.contains(&"metadata".to_owned()), "{top:?}");
        // Keys set already in the block are not offered again, under either
        // name; those of other blocks are.
        let text = "kind: KubernetesJob\nspec:\n  backoff_limit: 1\n  \n  image:\n    repo: x\n  suspend: true\n";
        let spec = labels(s.completion(text, Position::new(3, 2)));
        assert!(!spec.contains(&"backoffLimit".to_owned()), "{spec:?}");
        assert!(!spec.contains(&"suspend".to_owned()), "{spec:?}");
        assert!(!spec.contains(&"image".to_owned()), "{spec:?}");
        assert!(spec.contains(&"parallelism".to_owned()), "{spec:?}");
        let top = labels(s.completion(text, Position::new(7, 0)));
        assert!(
            !top.contains(&"kind".to_owned()) && !top.contains(&"spec".to_owned()),
            "{top:?}"
        );
        assert!(top.contains(&"metadata".to_owned()), "{top:?}");
    }

    #[test]
    fn hover_shows_the_proto_comment() {
        let s = server();
        let text = "kind: KubernetesJob\nspec:\n  backoffLimit: 3\n";
        let h = s.hover(text, Position::new(2, 5)).unwrap();
        let HoverContents::Markup(m) = h.contents else {
            panic!()
        };
        assert!(m.value.contains("Number of retries"), "{}", m.value);
        assert!(m.value.contains("Default: `6`"), "{}", m.value);
        assert_eq!(h.range.unwrap(), range((2, 2), (2, 14)));
        assert!(s.hover(text, Position::new(2, 16)).is_none());
    }

    #[test]
    fn warnings_are_warnings() {
        let v = JobValidator::new().unwrap();
        // LOG_LEVEL both a variable and a secret: a warning (the server
        // accepts it; the container gets the name twice).
        let text = "apiVersion: kubernetes.project-planton.org/v1\nkind: KubernetesJob\nmetadata: {name: job}\nspec:\n  namespace: {value: batch}\n  image: {repo: busybox, tag: \"1.36\"}\n  env:\n    variables: {LOG_LEVEL: {value: info}}\n    secrets: {LOG_LEVEL: {value: debug}}\n";
        let d = diagnostics(v.engine(), text);
        assert_eq!(d.len(), 1, "{d:?}");
        assert_eq!(d[0].severity, Some(DiagnosticSeverity::WARNING));
        assert_eq!(
            d[0].code,
            Some(NumberOrString::String(
                "kubernetes.env_var_duplicate".into()
            ))
        );
        // On the key of the repeated name, in the secrets (line 9, column 15).
        assert_eq!(d[0].range, range((8, 14), (8, 23)));
    }

    #[test]
    fn no_position_of_odd_texts_panics() {
        let s = server();
        let texts = [
            BROKEN.to_owned(),
            "kind: KubernetesJob\r\nspec:\r\n  back\r\n".to_owned(),
            "kind: KubernetesJob\rspec:\r  \t- x: 😀\n- - a:\n    b: \"c: d\"\n".to_owned(),
            "spec: {image: {repo: x}}\n  - : :\n\u{feff}\n".to_owned(),
            ":\n-\n- -\n#: x\n  'a': \n  \"b\":".to_owned(),
        ];
        for text in &texts {
            let lines = text.split(['\n', '\r']).count() as u32;
            for line in 0..lines + 2 {
                for character in 0..40 {
                    let p = Position::new(line, character);
                    let _ = s.completion(text, p);
                    let _ = s.hover(text, p);
                }
            }
            let _ = diagnostics(s.validator.engine(), text);
        }
    }
}

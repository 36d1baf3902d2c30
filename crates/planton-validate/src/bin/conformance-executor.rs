//! The executor of the protovalidate conformance suite: reads a serialized
//! `buf.validate.conformance.harness.TestConformanceRequest` on stdin, and
//! writes a `TestConformanceResponse` on stdout.
//!
//! The harness messages are written here from their field numbers and types;
//! the request's descriptor set is kept as bytes so that the options
//! (`buf.validate` rules) survive, and decoded into a prost-reflect pool that
//! the engine reads the rules from.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::process::ExitCode;

use planton_validate::{Error, PathElement, Subscript, Validator, Violation};
use prost::Message;
use prost_reflect::{DescriptorPool, DynamicMessage};

/// `buf.validate.conformance.harness.TestConformanceRequest`.
#[derive(Clone, PartialEq, Message)]
struct TestConformanceRequest {
    /// `google.protobuf.FileDescriptorSet fdset = 2`, kept encoded.
    #[prost(bytes = "vec", tag = "2")]
    fdset: Vec<u8>,
    /// `map<string, google.protobuf.Any> cases = 3`.
    #[prost(map = "string, message", tag = "3")]
    cases: HashMap<String, prost_types::Any>,
}

/// `buf.validate.conformance.harness.TestConformanceResponse`.
#[derive(Clone, PartialEq, Message)]
struct TestConformanceResponse {
    #[prost(map = "string, message", tag = "1")]
    results: HashMap<String, TestResult>,
}

/// `buf.validate.conformance.harness.TestResult`.
#[derive(Clone, PartialEq, Message)]
struct TestResult {
    #[prost(oneof = "Outcome", tags = "1, 2, 3, 4, 5")]
    result: Option<Outcome>,
}

#[derive(Clone, PartialEq, prost::Oneof)]
enum Outcome {
    #[prost(bool, tag = "1")]
    Success(bool),
    #[prost(message, tag = "2")]
    ValidationError(Violations),
    #[prost(string, tag = "3")]
    CompilationError(String),
    #[prost(string, tag = "4")]
    RuntimeError(String),
    #[prost(string, tag = "5")]
    UnexpectedError(String),
}

/// `buf.validate.Violations`.
#[derive(Clone, PartialEq, Message)]
struct Violations {
    #[prost(message, repeated, tag = "1")]
    violations: Vec<ViolationProto>,
}

/// `buf.validate.Violation`.
#[derive(Clone, PartialEq, Message)]
struct ViolationProto {
    #[prost(message, optional, tag = "5")]
    field: Option<FieldPath>,
    #[prost(message, optional, tag = "6")]
    rule: Option<FieldPath>,
    #[prost(string, optional, tag = "2")]
    rule_id: Option<String>,
    #[prost(string, optional, tag = "3")]
    message: Option<String>,
    #[prost(bool, optional, tag = "4")]
    for_key: Option<bool>,
}

/// `buf.validate.FieldPath`.
#[derive(Clone, PartialEq, Message)]
struct FieldPath {
    #[prost(message, repeated, tag = "1")]
    elements: Vec<FieldPathElement>,
}

/// `buf.validate.FieldPathElement`.
#[derive(Clone, PartialEq, Message)]
struct FieldPathElement {
    #[prost(int32, optional, tag = "1")]
    field_number: Option<i32>,
    #[prost(string, optional, tag = "2")]
    field_name: Option<String>,
    #[prost(int32, optional, tag = "3")]
    field_type: Option<i32>,
    #[prost(int32, optional, tag = "4")]
    key_type: Option<i32>,
    #[prost(int32, optional, tag = "5")]
    value_type: Option<i32>,
    #[prost(oneof = "SubscriptProto", tags = "6, 7, 8, 9, 10")]
    subscript: Option<SubscriptProto>,
}

#[derive(Clone, PartialEq, prost::Oneof)]
enum SubscriptProto {
    #[prost(uint64, tag = "6")]
    Index(u64),
    #[prost(bool, tag = "7")]
    BoolKey(bool),
    #[prost(int64, tag = "8")]
    IntKey(i64),
    #[prost(uint64, tag = "9")]
    UintKey(u64),
    #[prost(string, tag = "10")]
    StringKey(String),
}

fn element(e: &PathElement) -> FieldPathElement {
    FieldPathElement {
        field_number: (e.field_number != 0).then_some(e.field_number),
        field_name: Some(e.field_name.clone()),
        field_type: (e.field_type != 0).then_some(e.field_type),
        key_type: e.key_type,
        value_type: e.value_type,
        subscript: e.subscript.as_ref().map(|s| match s {
            Subscript::Index(i) => SubscriptProto::Index(*i),
            Subscript::Bool(b) => SubscriptProto::BoolKey(*b),
            Subscript::Int(i) => SubscriptProto::IntKey(*i),
            Subscript::Uint(u) => SubscriptProto::UintKey(*u),
            Subscript::String(s) => SubscriptProto::StringKey(s.clone()),
            // `Subscript` is ours and complete; nothing else to map.
        }),
    }
}

fn path(p: &[PathElement]) -> Option<FieldPath> {
    (!p.is_empty()).then(|| FieldPath {
        elements: p.iter().map(element).collect(),
    })
}

fn violation(v: &Violation) -> ViolationProto {
    ViolationProto {
        field: path(&v.field),
        rule: path(&v.rule),
        rule_id: Some(v.rule_id.clone()),
        message: Some(v.message.clone()),
        for_key: v.for_key.then_some(true),
    }
}

fn run_case(validator: &Validator, pool: &DescriptorPool, any: &prost_types::Any) -> Outcome {
    let name = any.type_url.rsplit('/').next().unwrap_or_default();
    let Some(desc) = pool.get_message_by_name(name) else {
        return Outcome::UnexpectedError(format!("no message type '{name}' in the descriptor set"));
    };
    let msg = match DynamicMessage::decode(desc, any.value.as_slice()) {
        Ok(m) => m,
        Err(e) => return Outcome::UnexpectedError(format!("cannot decode the case: {e}")),
    };
    match validator.validate(&msg) {
        Ok(v) if v.is_empty() => Outcome::Success(true),
        Ok(v) => Outcome::ValidationError(Violations {
            violations: v.iter().map(violation).collect(),
        }),
        Err(e @ Error::Compile { .. }) => Outcome::CompilationError(e.to_string()),
        Err(e @ (Error::Runtime(_) | Error::TooDeep { .. })) => {
            Outcome::RuntimeError(e.to_string())
        }
        Err(e) => Outcome::UnexpectedError(e.to_string()),
    }
}

fn main() -> ExitCode {
    let mut input = Vec::new();
    if let Err(e) = std::io::stdin().read_to_end(&mut input) {
        eprintln!("conformance-executor: error: cannot read stdin: {e}");
        return ExitCode::from(2);
    }
    let request = match TestConformanceRequest::decode(input.as_slice()) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("conformance-executor: error: cannot decode the request: {e}");
            return ExitCode::from(2);
        }
    };
    // prost-reflect 0.16 knows no editions: rewrite those files as proto2.
    let fdset = match planton_validate::downgrade_editions(&request.fdset) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("conformance-executor: error: {e}");
            return ExitCode::from(2);
        }
    };
    let pool = match DescriptorPool::decode(fdset.as_slice()) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("conformance-executor: error: cannot decode the descriptor set: {e}");
            return ExitCode::from(2);
        }
    };
    let validator = Validator::new();
    let mut names: Vec<&String> = request.cases.keys().collect();
    names.sort();
    let results = names
        .into_iter()
        .map(|name| {
            let outcome = run_case(&validator, &pool, &request.cases[name]);
            (
                name.clone(),
                TestResult {
                    result: Some(outcome),
                },
            )
        })
        .collect();
    let out = TestConformanceResponse { results }.encode_to_vec();
    if let Err(e) = std::io::stdout().lock().write_all(&out) {
        eprintln!("conformance-executor: error: cannot write stdout: {e}");
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}

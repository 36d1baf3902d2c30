//! Our own `proto/buf/validate/validate.proto` (the part of the buf.validate
//! schema our protos use) gives our protos exactly the descriptors that the
//! published schema gives them: every Planton file's `FileDescriptorProto`,
//! options included, encoded, is byte for byte the one compiled against the
//! published `validate.proto`.
//!
//! The published file is read at test time from the Go module cache
//! (`go mod download github.com/bufbuild/protovalidate@v1.2.2`, through the Go
//! module proxy on first use), never from the repository. Set
//! `PLANTON_PUBLISHED_VALIDATE_PROTO_ROOT` to a directory holding
//! `buf/validate/validate.proto` to use another copy.

use std::path::{Path, PathBuf};
use std::process::Command;

use prost::Message;
use protox::file::{ChainFileResolver, GoogleFileResolver, IncludeFileResolver};

const MODULE: &str = "github.com/bufbuild/protovalidate@v1.2.2";
const VALIDATE: &str = "buf/validate/validate.proto";

/// A `FileDescriptorSet` with each file kept as its encoded bytes.
#[derive(Clone, PartialEq, prost::Message)]
struct RawSet {
    #[prost(bytes = "vec", repeated, tag = "1")]
    file: Vec<Vec<u8>>,
}

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The include root of the published `buf/validate/validate.proto`.
fn published_root() -> PathBuf {
    if let Some(dir) = std::env::var_os("PLANTON_PUBLISHED_VALIDATE_PROTO_ROOT") {
        return dir.into();
    }
    let out = Command::new("go")
        .args(["mod", "download", "-json", MODULE])
        .current_dir(std::env::temp_dir())
        .env("GOFLAGS", "-mod=mod")
        .output()
        .expect("the go command runs (Go is part of the development setup)");
    assert!(
        out.status.success(),
        "go mod download {MODULE} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let info: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let dir = info["Dir"].as_str().expect("go mod download reports a Dir");
    Path::new(dir).join("proto/protovalidate")
}

/// Every Planton .proto under proto/, as import paths, sorted.
fn planton_protos() -> Vec<String> {
    let root = repo().join("proto");
    let mut found = Vec::new();
    let mut stack = vec![root.join("org")];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "proto") {
                let rel = path.strip_prefix(&root).unwrap();
                found.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found.sort();
    found
}

/// Each file of an encoded `FileDescriptorSet`, by name, as encoded bytes.
fn files(set: &[u8]) -> Vec<(String, Vec<u8>)> {
    RawSet::decode(set)
        .unwrap()
        .file
        .into_iter()
        .map(|bytes| {
            let name = prost_types::FileDescriptorProto::decode(bytes.as_slice())
                .unwrap()
                .name()
                .to_owned();
            (name, bytes)
        })
        .collect()
}

/// Our protos compiled with the published `validate.proto` found first.
fn compiled_against_published(source_info: bool) -> Vec<u8> {
    let published = published_root();
    assert!(
        published.join(VALIDATE).is_file(),
        "{} has no {VALIDATE}",
        published.display()
    );
    let mut resolver = ChainFileResolver::new();
    resolver.add(IncludeFileResolver::new(published));
    resolver.add(IncludeFileResolver::new(repo().join("proto")));
    resolver.add(GoogleFileResolver::new());
    let mut compiler = protox::Compiler::with_file_resolver(resolver);
    compiler
        .include_imports(true)
        .include_source_info(source_info);
    compiler.open_files(planton_protos()).unwrap();
    compiler.encode_file_descriptor_set()
}

fn assert_same_planton_files(embedded: &[u8], source_info: bool) {
    let ours = files(embedded);
    let theirs = files(&compiled_against_published(source_info));
    let protos = planton_protos();
    assert!(protos.len() >= 10, "found the Planton protos: {protos:?}");
    for name in &protos {
        let a = ours.iter().find(|(n, _)| n == name);
        let b = theirs.iter().find(|(n, _)| n == name);
        let (Some((_, a)), Some((_, b))) = (a, b) else {
            panic!("{name} is in both descriptor sets");
        };
        assert!(
            a == b,
            "{name}: the descriptor compiled against our validate.proto differs from the one \
             compiled against the published schema (source info: {source_info})"
        );
    }
    // The comparison did use two different validate.proto files.
    let validate = |set: &[(String, Vec<u8>)]| {
        set.iter()
            .find(|(n, _)| n == VALIDATE)
            .map(|(_, b)| b.clone())
            .expect("validate.proto is among the imports")
    };
    assert_ne!(validate(&ours), validate(&theirs));
}

#[test]
fn planton_descriptors_are_those_compiled_against_the_published_schema() {
    assert_same_planton_files(planton_api::FILE_DESCRIPTOR_SET, false);
}

#[test]
fn planton_descriptors_with_source_info_are_too() {
    assert_same_planton_files(planton_api::FILE_DESCRIPTOR_SET_WITH_SOURCE, true);
}

/// Each declaration of our `validate.proto` is the published one: same
/// package and syntax; every message, field (number, label, type, type name,
/// oneof, packed-ness), extension and enum value of ours exists there, the
/// same. (Equal descriptors of our files alone would not catch a field of
/// another type with the same wire encoding.)
#[test]
fn our_validate_proto_declares_a_subset_of_the_published_schema() {
    use prost_types::{DescriptorProto, FieldDescriptorProto, FileDescriptorProto};

    fn validate_file(set: &[u8]) -> FileDescriptorProto {
        let bytes = files(set)
            .into_iter()
            .find(|(n, _)| n == VALIDATE)
            .expect("validate.proto is among the imports")
            .1;
        FileDescriptorProto::decode(bytes.as_slice()).unwrap()
    }
    /// What must agree, for a field or an extension.
    fn shape(m: Option<&DescriptorProto>, f: &FieldDescriptorProto) -> String {
        let oneof = f
            .oneof_index
            .and_then(|i| m?.oneof_decl.get(usize::try_from(i).ok()?))
            .map(|o| o.name().to_owned());
        format!(
            "{} = {} {:?} {:?} {} extends {} oneof {:?} packed {:?}",
            f.name(),
            f.number(),
            f.label(),
            f.r#type(),
            f.type_name(),
            f.extendee(),
            oneof,
            f.options.as_ref().and_then(|o| o.packed)
        )
    }

    let ours = validate_file(planton_api::FILE_DESCRIPTOR_SET);
    let theirs = validate_file(&compiled_against_published(false));
    assert_eq!(ours.package(), theirs.package());
    assert_eq!(ours.syntax(), theirs.syntax());
    assert!(!ours.message_type.is_empty() && !ours.extension.is_empty());
    for x in &ours.extension {
        let t = theirs
            .extension
            .iter()
            .find(|t| t.name() == x.name())
            .unwrap_or_else(|| panic!("extension {} is published", x.name()));
        assert_eq!(shape(None, x), shape(None, t));
    }
    for m in &ours.message_type {
        let t = theirs
            .message_type
            .iter()
            .find(|t| t.name() == m.name())
            .unwrap_or_else(|| panic!("message {} is published", m.name()));
        assert!(!m.field.is_empty(), "{} declares fields", m.name());
        for f in &m.field {
            let tf = t
                .field
                .iter()
                .find(|tf| tf.name() == f.name())
                .unwrap_or_else(|| panic!("{}.{} is published", m.name(), f.name()));
            assert_eq!(shape(Some(m), f), shape(Some(t), tf), "in {}", m.name());
        }
    }
    for e in &ours.enum_type {
        let t = theirs
            .enum_type
            .iter()
            .find(|t| t.name() == e.name())
            .unwrap_or_else(|| panic!("enum {} is published", e.name()));
        for v in &e.value {
            assert!(
                t.value
                    .iter()
                    .any(|tv| tv.name() == v.name() && tv.number() == v.number()),
                "{}.{} = {} is published",
                e.name(),
                v.name(),
                v.number()
            );
        }
    }
}

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

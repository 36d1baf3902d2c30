//! Compiles `proto/` with protox (no system protoc) and generates the Rust
//! types with prost-build.
//!
//! Two descriptor sets are written to `OUT_DIR`:
//! - `descriptor_set.bin`: every file with its imports (including
//!   `buf/validate/validate.proto`), *without* source info, encoded by protox so
//!   that custom options (buf.validate rules, Planton defaults) survive. It is
//!   embedded in the crate and backs `prost_reflect::ReflectMessage`.
//! - `descriptor_set_with_source.bin`: the same with source info, embedded for
//!   tools that want the proto comments (documentation, generated variables).
//!
//! It also writes `views.rs`, the typed views of dynamic messages
//! (`build_views.rs`, included by `src/view.rs`), and, from the fields that
//! hold secrets (declared once in `build_redact.rs`, checked against the
//! descriptors), `sensitive.rs` (their names) and `redact.rs` (a redacting `Debug` for the
//! messages holding them; `build_redact.rs`, included by `src/redact.rs`).
//!
//! `buf/validate/validate.proto` is our own file (`proto/buf/validate/`): the
//! part of the buf.validate schema our protos use, with the published names,
//! numbers and types, so that our descriptors are the published schema's. It
//! is compiled like the rest; only the Planton packages get Rust types.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::{env, fs};

use prost::Message;
use protox::file::{ChainFileResolver, GoogleFileResolver, IncludeFileResolver};

#[path = "build_redact.rs"]
mod redact;
#[path = "build_views.rs"]
mod views;

const PROTO_ROOT: &str = "proto";

/// Imports that only carry options: compiled, never generated.
const OPTION_CARRIERS: &str = "buf/";

type BuildResult<T> = Result<T, Box<dyn std::error::Error>>;

fn main() -> BuildResult<()> {
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    println!("cargo:rerun-if-changed={PROTO_ROOT}");

    let protos = proto_files(Path::new(PROTO_ROOT))?;
    for p in &protos {
        println!("cargo:rerun-if-changed={PROTO_ROOT}/{p}");
    }

    let mut resolver = ChainFileResolver::new();
    resolver.add(IncludeFileResolver::new(PROTO_ROOT.into()));
    resolver.add(GoogleFileResolver::new());

    let mut compiler = protox::Compiler::with_file_resolver(resolver);
    compiler.include_imports(true).include_source_info(true);
    compiler.open_files(&protos).map_err(|e| format!("{e:?}"))?;

    let with_source = compiler.encode_file_descriptor_set();
    compiler.include_source_info(false);
    let without_source = compiler.encode_file_descriptor_set();
    fs::write(out_dir.join("descriptor_set_with_source.bin"), &with_source)?;
    fs::write(out_dir.join("descriptor_set.bin"), &without_source)?;

    // prost-build only generates our own packages: the imports (buf.validate,
    // google.protobuf) are option carriers, never field types.
    let ours: BTreeSet<&str> = protos
        .iter()
        .map(String::as_str)
        .filter(|p| !p.starts_with(OPTION_CARRIERS))
        .collect();
    let mut set = prost_types::FileDescriptorSet::decode(with_source.as_slice())?;
    set.file.retain(|f| ours.contains(f.name()));

    let pool = prost_reflect::DescriptorPool::decode(without_source.as_slice())?;
    fs::write(out_dir.join("views.rs"), views::generate(&pool, &ours)?)?;
    // The fields that hold secrets, and a redacting `Debug` for
    // the messages (and oneofs) holding them.
    let mut redacted_debug = Vec::new();
    let (sensitive, debug_impls) = redact::generate(&pool, &ours, &mut redacted_debug)?;
    fs::write(out_dir.join("redact.rs"), debug_impls)?;
    fs::write(
        out_dir.join("sensitive.rs"),
        format!(
            "/// The full names of the fields that hold secrets, sorted.\npub const SENSITIVE_FIELDS: &[&str] = &{sensitive:?};\n",
        ),
    )?;
    let mut config = prost_build::Config::new();
    for message in pool.all_messages() {
        if !ours.contains(message.parent_file().name()) {
            continue;
        }
        let name = message.full_name();
        config
            .type_attribute(name, "#[derive(::prost_reflect::ReflectMessage)]")
            .type_attribute(
                name,
                format!(r#"#[prost_reflect(message_name = "{name}")]"#),
            )
            .type_attribute(
                name,
                r#"#[prost_reflect(descriptor_pool = "crate::DESCRIPTOR_POOL")]"#,
            );
    }
    // Messages that carry secret values get the generated, redacting `Debug`.
    config.skip_debug(redacted_debug);
    config
        .include_file("_includes.rs")
        .enable_type_names()
        .compile_fds(set)?;
    Ok(())
}

/// Every `.proto` under `root`, as import paths relative to it, sorted.
fn proto_files(root: &Path) -> BuildResult<Vec<String>> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "proto") {
                let rel = path.strip_prefix(root)?;
                found.push(rel.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    found.sort();
    Ok(found)
}

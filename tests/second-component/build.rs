//! Compiles proto/example/widget/v1/widget.proto with protox (no protoc),
//! against the workspace's protos for buf.validate and the Planton options,
//! keeping the option extensions in the encoded descriptor set.

use std::path::PathBuf;
use std::{env, fs};

use prost::Message;
use protox::file::{ChainFileResolver, GoogleFileResolver, IncludeFileResolver};

const OURS: &str = "example/widget/v1/widget.proto";

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out_dir = PathBuf::from(env::var("OUT_DIR")?);
    println!("cargo:rerun-if-changed=proto");
    let mut resolver = ChainFileResolver::new();
    resolver.add(IncludeFileResolver::new("proto".into()));
    resolver.add(IncludeFileResolver::new("../../proto".into()));
    resolver.add(GoogleFileResolver::new());
    let mut compiler = protox::Compiler::with_file_resolver(resolver);
    compiler.include_imports(true).include_source_info(false);
    compiler.open_files([OURS]).map_err(|e| format!("{e:?}"))?;
    let bytes = compiler.encode_file_descriptor_set();
    fs::write(out_dir.join("widget.bin"), &bytes)?;

    let mut set = prost_types::FileDescriptorSet::decode(bytes.as_slice())?;
    set.file.retain(|f| f.name() == OURS);
    let pool = prost_reflect::DescriptorPool::decode(bytes.as_slice())?;
    let mut config = prost_build::Config::new();
    for message in pool.all_messages() {
        if message.parent_file().name() != OURS {
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
    config.include_file("_includes.rs").compile_fds(set)?;
    Ok(())
}

//! A `protoc` stand-in for build scripts that shell out to `protoc`.
//!
//! prost-build (used by the build script of `prost-protovalidate-types`) runs
//! `$PROTOC --include_imports [--include_source_info] -o OUT -I DIR... FILE...`.
//! This program accepts exactly that subset of protoc's command line and writes
//! the descriptor set with protox, a pure-Rust protobuf compiler, so no system
//! protoc is needed. Anything else (code-generation plugins, `--*_out` flags) is
//! refused with exit code 2 rather than silently ignored.

use std::path::PathBuf;
use std::process::ExitCode;

/// The parsed command line.
#[derive(Default)]
struct Args {
    includes: Vec<PathBuf>,
    files: Vec<PathBuf>,
    out: Option<PathBuf>,
    include_imports: bool,
    include_source_info: bool,
}

fn parse(argv: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut args = Args::default();
    let mut argv = argv.peekable();
    while let Some(arg) = argv.next() {
        let mut value_of = |flag: &str, inline: Option<&str>| -> Result<String, String> {
            match inline {
                Some(v) => Ok(v.to_owned()),
                None => argv.next().ok_or_else(|| format!("'{flag}' needs a value")),
            }
        };
        match arg.as_str() {
            "--version" => return Ok(None),
            "--include_imports" => args.include_imports = true,
            "--include_source_info" => args.include_source_info = true,
            "-o" | "--descriptor_set_out" => args.out = Some(value_of(&arg, None)?.into()),
            "-I" | "--proto_path" => args.includes.push(value_of(&arg, None)?.into()),
            a if a.starts_with("--descriptor_set_out=") => {
                args.out = Some(value_of(a, a.split_once('=').map(|(_, v)| v))?.into())
            }
            a if a.starts_with("--proto_path=") => args
                .includes
                .push(value_of(a, a.split_once('=').map(|(_, v)| v))?.into()),
            a if a.starts_with("-I") => args.includes.push(a[2..].into()),
            a if a.starts_with("-o") => args.out = Some(a[2..].into()),
            a if a.starts_with('-') => {
                return Err(format!(
                    "unsupported option '{a}': this protoc stand-in only writes descriptor sets"
                ));
            }
            _ => args.files.push(arg.into()),
        }
    }
    Ok(Some(args))
}

fn run(args: Args) -> Result<(), String> {
    let out = args
        .out
        .ok_or("missing '-o FILE' (descriptor set output)")?;
    if args.files.is_empty() {
        return Err("no input files".into());
    }
    let includes = if args.includes.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.includes
    };
    let mut compiler = protox::Compiler::new(&includes).map_err(|e| e.to_string())?;
    compiler
        .include_imports(args.include_imports)
        .include_source_info(args.include_source_info);
    compiler
        .open_files(&args.files)
        .map_err(|e| format!("{e:?}"))?;
    std::fs::write(&out, compiler.encode_file_descriptor_set())
        .map_err(|e| format!("cannot write '{}': {e}", out.display()))
}

fn main() -> ExitCode {
    match parse(std::env::args().skip(1)) {
        Ok(None) => {
            println!("libprotoc 29.0 (protox {})", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        Ok(Some(args)) => match run(args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("protoc-shim: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            eprintln!("protoc-shim: {e}");
            ExitCode::from(2)
        }
    }
}

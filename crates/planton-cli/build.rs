//! Links the `planton` binary as a position-dependent executable on Linux.
//!
//! A position-independent `planton` carries about 69,000 relative
//! relocations (vtables and static tables of its dependencies): the dynamic
//! loader applies them to 1.6 MB of `.data.rel.ro` at every start, which
//! copies some 400 pages and costs a third of a cold `planton validate`.
//! Linked at a fixed address, those pages are shared with the page cache as
//! they are. Shared libraries, the heap and the stacks keep their address
//! randomization; the executable's own code and data give it up.
//!
//! Other systems (macOS requires position-independent executables on arm64)
//! keep their linker's default.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    if os == "linux" {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}

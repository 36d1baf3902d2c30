//! The repository README's Rust examples, compiled by `cargo test` as
//! doc-tests. A crate of its own because the README is the workspace's, not
//! any published crate's: a published package cannot reach it.

/// The README, whose `rust` blocks are the doc-tests.
#[doc = include_str!("../../../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

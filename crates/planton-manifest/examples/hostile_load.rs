//! Loads one generated hostile input and reports the time and outcome: for
//! peak-memory measurements (`/usr/bin/time -v`) and for timing other
//! versions of the loader.
//!
//! ```sh
//! cargo run --release -p planton-manifest --example hostile_load -- alias-bytes 1048576
//! ```

#[path = "../benches/hostile_inputs.rs"]
mod inputs;

use std::time::Instant;

use planton_api::registry;
use planton_manifest::Loader;

fn main() {
    let mut args = std::env::args().skip(1);
    let (Some(class), Some(size)) = (args.next(), args.next()) else {
        eprintln!("usage: hostile_load CLASS SIZE (classes: see benches/hostile_inputs.rs)");
        std::process::exit(2);
    };
    let size: usize = size.parse().expect("SIZE is a number of bytes");
    let Some(text) = inputs::case(&class, size) else {
        eprintln!(
            "unknown class {class}; one of {}",
            inputs::CLASSES.join(", ")
        );
        std::process::exit(2);
    };
    let loader = Loader::for_kinds(
        registry::supported_kinds().map(|k| (k.name().to_owned(), k.manifest_message().unwrap())),
    );
    let start = Instant::now();
    let outcome = loader.load_str(&text);
    let took = start.elapsed();
    let shown = match &outcome {
        Ok(_) => "loaded".to_owned(),
        Err(e) => {
            let e = e.to_string();
            format!(
                "error ({} bytes): {}",
                e.len(),
                e.chars().take(100).collect::<String>()
            )
        }
    };
    println!(
        "{class} {} bytes: {:.3} ms, {shown}",
        text.len(),
        took.as_secs_f64() * 1e3
    );
}

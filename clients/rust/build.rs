//! Generates the client from the service's committed OpenAPI document with progenitor, into
//! `$OUT_DIR/client.rs` (readable: it is formatted), which `src/lib.rs` includes.
//!
//! The document is used exactly as committed: anything the generator rejects or mistypes is
//! fixed in the service's document, never here and never in the generated code.

use std::path::Path;

use progenitor::{GenerationSettings, Generator, InterfaceStyle, TagStyle};

const DOCUMENT: &str = "../../openapi/openapi.json";

fn main() {
    println!("cargo:rerun-if-changed={DOCUMENT}");
    let text =
        std::fs::read_to_string(DOCUMENT).unwrap_or_else(|err| panic!("read {DOCUMENT}: {err}"));
    let spec: openapiv3::OpenAPI =
        serde_json::from_str(&text).unwrap_or_else(|err| panic!("parse {DOCUMENT}: {err}"));
    let mut settings = GenerationSettings::default();
    settings
        .with_interface(InterfaceStyle::Builder)
        .with_tag(TagStyle::Merged);
    let tokens = Generator::new(&settings)
        .generate_tokens(&spec)
        .unwrap_or_else(|err| panic!("progenitor cannot generate a client from {DOCUMENT}: {err}"));
    let file: syn::File = syn::parse2(tokens).expect("progenitor emits valid Rust");
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("client.rs");
    std::fs::write(&out, prettyplease::unparse(&file))
        .unwrap_or_else(|err| panic!("write {}: {err}", out.display()));
}

use std::ffi::c_char;
use std::process::ExitCode;

use clap::Parser;
use products_api::cli::{self, Cli};

#[global_allocator]
static ALLOCATOR: tikv_jemallocator::Jemalloc = tikv_jemallocator::Jemalloc;

/// jemalloc's options, read before `main`: a background thread returns freed pages to the
/// system after one second instead of ten, so resident memory follows the load down (each
/// pooled SQLite connection's page cache otherwise kept the peak at 49 MiB; docs/performance.md).
#[unsafe(export_name = "_rjem_malloc_conf")]
static JEMALLOC_OPTIONS: Option<&'static c_char> =
    Some(unsafe { &*c"background_thread:true,dirty_decay_ms:1000,muzzy_decay_ms:0".as_ptr() });

#[tokio::main]
async fn main() -> ExitCode {
    cli::run(Cli::parse()).await
}

use std::process::ExitCode;

use clap::Parser;
use products_api::cli::{self, Cli};

#[tokio::main]
async fn main() -> ExitCode {
    cli::run(Cli::parse()).await
}

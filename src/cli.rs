//! The command line: `serve` (the default), `migrate`, `openapi`, `healthcheck`.

use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};

use crate::app::{self, Application, StartupError};
use crate::config::Settings;
use crate::store::migrations::{self, Action};
use crate::telemetry::{self, metrics::Metrics};
use crate::{api, shutdown};

#[derive(Debug, Parser)]
#[command(
    name = "products-api",
    version,
    about = "Product-inventory REST service"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub settings: Settings,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the API and the metrics (the default).
    Serve,
    /// Apply, roll back, reset or inspect the database migrations.
    Migrate {
        #[command(subcommand)]
        action: MigrateAction,
    },
    /// Print the OpenAPI document.
    Openapi,
    /// Exit 0 when the service answers 200 at URL (for container health checks).
    Healthcheck {
        /// Defaults to http://127.0.0.1:<port of LISTEN_ADDR>/healthz.
        #[arg(long)]
        url: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, Subcommand)]
pub enum MigrateAction {
    /// Apply every pending migration.
    Up,
    /// Roll back the last applied migration.
    Down,
    /// List migrations and whether each is applied.
    Status,
    /// Drop every table and apply all migrations again (destroys data).
    Fresh,
}

/// Exit status for settings that cannot work (as for a bad flag).
const EXIT_CONFIG: u8 = 2;

pub async fn run(cli: Cli) -> ExitCode {
    let Cli { command, settings } = cli;
    match command.unwrap_or(Command::Serve) {
        Command::Openapi => {
            print!("{}", api::document_text());
            ExitCode::SUCCESS
        }
        Command::Healthcheck { url } => healthcheck(url, &settings).await,
        Command::Serve => with_logging(&settings, serve(settings.clone())).await,
        Command::Migrate { action } => {
            with_logging(&settings, migrate(settings.clone(), action)).await
        }
    }
}

async fn with_logging(
    settings: &Settings,
    work: impl Future<Output = Result<(), StartupError>>,
) -> ExitCode {
    let telemetry = match telemetry::init(settings.log_format, &settings.rust_log) {
        Ok(telemetry) => telemetry,
        Err(err) => {
            eprintln!("error: {err}");
            return ExitCode::from(EXIT_CONFIG);
        }
    };
    let result = work.await;
    // Blocking: waits for the exporter to send the spans of finished requests.
    let _ = tokio::task::spawn_blocking(move || telemetry.shutdown()).await;
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(StartupError::Config(err)) => {
            eprintln!("error: {err}");
            ExitCode::from(EXIT_CONFIG)
        }
        Err(err) => {
            tracing::error!(error = %err, "stopped");
            ExitCode::FAILURE
        }
    }
}

async fn serve(settings: Settings) -> Result<(), StartupError> {
    let application = Application::build(settings).await?;
    let (trigger, stop) = shutdown::channel();
    tokio::spawn(async move {
        shutdown::signal().await;
        trigger.fire();
    });
    application
        .run_until_stopped(stop)
        .await
        .map_err(StartupError::Serve)
}

async fn migrate(settings: Settings, action: MigrateAction) -> Result<(), StartupError> {
    let db = app::connect(&settings, &Metrics::new()).await?;
    let result = match action {
        MigrateAction::Up => migrations::run(&db, Action::Up).await,
        MigrateAction::Down => migrations::run(&db, Action::Down).await,
        MigrateAction::Fresh => migrations::run(&db, Action::Fresh).await,
        MigrateAction::Status => migrations::status(&db).await.map(|statuses| {
            for (name, applied) in statuses {
                println!("{}\t{name}", if applied { "applied" } else { "pending" });
            }
        }),
    };
    result.map_err(StartupError::Migrations)
}

/// A GET that needs no curl in the image.
async fn healthcheck(url: Option<String>, settings: &Settings) -> ExitCode {
    let url =
        url.unwrap_or_else(|| format!("http://127.0.0.1:{}/healthz", settings.listen_addr.port()));
    let client = match reqwest::Client::builder()
        .timeout(Duration::from_secs(3))
        .build()
    {
        Ok(client) => client,
        Err(err) => {
            eprintln!("healthcheck: {err}");
            return ExitCode::FAILURE;
        }
    };
    match client.get(&url).send().await {
        Ok(response) if response.status() == reqwest::StatusCode::OK => ExitCode::SUCCESS,
        Ok(response) => {
            eprintln!("healthcheck: {url} answered {}", response.status());
            ExitCode::FAILURE
        }
        Err(err) => {
            eprintln!("healthcheck: {url}: {err}");
            ExitCode::FAILURE
        }
    }
}

//! Every setting of the service, from the environment or the matching kebab-case flag,
//! validated once at start. A bad value stops the process with a message naming the variable.

use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use clap::{ArgAction, Args, ValueEnum};
use url::Url;

mod libpq;

/// The settings shared by every subcommand.
#[derive(Debug, Clone, Args)]
pub struct Settings {
    /// API listener.
    #[arg(
        long,
        env = "LISTEN_ADDR",
        default_value = "0.0.0.0:8080",
        global = true
    )]
    pub listen_addr: SocketAddr,

    /// Metrics listener (Prometheus `/metrics`); never routed by the load balancer.
    #[arg(
        long,
        env = "METRICS_ADDR",
        default_value = "0.0.0.0:9090",
        global = true
    )]
    pub metrics_addr: SocketAddr,

    /// `sqlite://FILE?mode=rwc` (the embedded default) or `postgres://…`.
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true)]
    pub database_url: Option<String>,

    /// The original service's DSN variable, used when DATABASE_URL is unset.
    #[arg(long, env = "PG_DSN", hide_env_values = true, global = true)]
    pub pg_dsn: Option<String>,

    /// libpq host; with no URL set, the PG* variables describe a PostgreSQL connection.
    #[arg(long, env = "PGHOST", global = true)]
    pub pghost: Option<String>,
    #[arg(long, env = "PGPORT", global = true)]
    pub pgport: Option<u16>,
    #[arg(long, env = "PGUSER", global = true)]
    pub pguser: Option<String>,
    /// Taken from a secret store in production; never printed.
    #[arg(long, env = "PGPASSWORD", hide_env_values = true, global = true)]
    pub pgpassword: Option<String>,
    #[arg(long, env = "PGDATABASE", global = true)]
    pub pgdatabase: Option<String>,
    #[arg(long, env = "PGSSLMODE", global = true)]
    pub pgsslmode: Option<String>,

    /// Connection pool size.
    #[arg(long, env = "DB_MAX_CONNECTIONS", default_value_t = 10,
          value_parser = clap::value_parser!(u32).range(1..=1000), global = true)]
    pub db_max_connections: u32,

    /// Seconds a request waits for a pooled connection before it is answered 503.
    #[arg(long, env = "DB_ACQUIRE_TIMEOUT_SECONDS", default_value_t = 2.0,
          value_parser = positive_seconds, global = true)]
    pub db_acquire_timeout_seconds: f64,

    /// Seconds a request may take in all before it is answered 503.
    #[arg(long, env = "REQUEST_TIMEOUT_SECONDS", default_value_t = 10.0,
          value_parser = positive_seconds, global = true)]
    pub request_timeout_seconds: f64,

    /// Apply pending migrations before serving.
    #[arg(long, env = "MIGRATE_ON_START", default_value_t = true, action = ArgAction::Set,
          value_parser = clap::builder::BoolishValueParser::new(), global = true)]
    pub migrate_on_start: bool,

    /// Log line format.
    #[arg(long, env = "LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    pub log_format: LogFormat,

    /// Log filter, in `tracing_subscriber::EnvFilter` syntax.
    #[arg(long, env = "RUST_LOG", default_value = "info", global = true)]
    pub rust_log: String,

    /// On SIGTERM/SIGINT: accept for 1 s more (at most half of this; answers close their
    /// connections), stop accepting and finish in-flight requests, all within this long; then
    /// flush traces and exit 0.
    #[arg(
        long,
        env = "SHUTDOWN_GRACE_SECONDS",
        default_value_t = 25,
        global = true
    )]
    pub shutdown_grace_seconds: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

fn positive_seconds(raw: &str) -> Result<f64, String> {
    match raw.parse::<f64>() {
        Ok(seconds) if seconds.is_finite() && seconds > 0.0 => Ok(seconds),
        _ => Err("expected a positive number of seconds".to_owned()),
    }
}

/// A setting that parsed but makes no sense; the message names the variable and never its secret.
#[derive(Debug, thiserror::Error)]
#[error("{variable}: {reason}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub reason: String,
}

/// Which database to use, already checked to be SQLite or PostgreSQL.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    /// The URL with its password; only for the database driver.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Shows the URL with any password replaced, so it is safe in logs and errors.
impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match Url::parse(&self.0) {
            Ok(mut url) if url.password().is_some() => {
                let _ = url.set_password(Some("REDACTED"));
                f.write_str(url.as_str())
            }
            Ok(_) => f.write_str(&self.0),
            Err(_) => f.write_str("<unparsable database URL>"),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({self})")
    }
}

pub const DEFAULT_DATABASE_URL: &str = "sqlite://products.db?mode=rwc";

impl Settings {
    /// `DATABASE_URL`, else `PG_DSN`, else the libpq variables when `PGHOST` is set, else the
    /// embedded SQLite file.
    pub fn database_url(&self) -> Result<DatabaseUrl, ConfigError> {
        if let Some(url) = &self.database_url {
            return checked_url(url, "DATABASE_URL");
        }
        if let Some(dsn) = &self.pg_dsn {
            if libpq::is_keyword_form(dsn) {
                return libpq::Connection::from_keywords(dsn, "PG_DSN")?.url("PG_DSN");
            }
            return checked_url(dsn, "PG_DSN");
        }
        if let Some(host) = &self.pghost {
            let connection = libpq::Connection {
                host: Some(host.clone()),
                port: self.pgport,
                user: self.pguser.clone(),
                password: self.pgpassword.clone(),
                dbname: self.pgdatabase.clone(),
                sslmode: self.pgsslmode.clone(),
            };
            return connection.url("PGHOST");
        }
        Ok(DatabaseUrl(DEFAULT_DATABASE_URL.to_owned()))
    }

    pub fn pool_settings(&self) -> crate::store::PoolSettings {
        crate::store::PoolSettings {
            max_connections: self.db_max_connections,
            acquire_timeout: Duration::from_secs_f64(self.db_acquire_timeout_seconds),
            // Shorter than the request timeout, so PostgreSQL cancels a stuck statement and the
            // connection comes back clean, before the request is abandoned mid-query.
            statement_timeout: self.request_timeout().mul_f64(0.8),
        }
    }

    pub fn request_timeout(&self) -> Duration {
        Duration::from_secs_f64(self.request_timeout_seconds)
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_seconds)
    }
}

/// Only the scheme or the parser's reason is echoed: the rest may hold a password.
fn checked_url(raw: &str, variable: &'static str) -> Result<DatabaseUrl, ConfigError> {
    let scheme = raw.split_once(':').map(|(scheme, _)| scheme).unwrap_or("");
    match scheme {
        "sqlite" | "postgres" | "postgresql" => match Url::parse(raw) {
            Ok(_) => Ok(DatabaseUrl(raw.to_owned())),
            Err(err) => Err(ConfigError {
                variable,
                reason: format!("not a valid URL ({err})"),
            }),
        },
        _ => Err(ConfigError {
            variable,
            reason: format!(
                "unsupported scheme {scheme:?}; expected sqlite://FILE?mode=rwc or postgres://…"
            ),
        }),
    }
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Probe {
        #[command(flatten)]
        settings: Settings,
    }

    fn settings(args: &[&str]) -> Settings {
        let mut argv = vec!["probe"];
        argv.extend_from_slice(args);
        Probe::try_parse_from(argv)
            .expect("arguments parse")
            .settings
    }

    #[test]
    fn libpq_variables_build_a_url_with_an_escaped_password() {
        let s = settings(&[
            "--pghost",
            "db.internal",
            "--pgport",
            "5433",
            "--pguser",
            "app",
            "--pgpassword",
            "p@ss/word:",
            "--pgdatabase",
            "inventory",
            "--pgsslmode",
            "require",
        ]);
        let url = s.database_url().unwrap();
        assert_eq!(
            url.expose(),
            "postgres://app:p%40ss%2Fword%3A@db.internal:5433/inventory?sslmode=require"
        );
        assert_eq!(
            url.to_string(),
            "postgres://app:REDACTED@db.internal:5433/inventory?sslmode=require"
        );
        assert!(!format!("{url:?}").contains("p%40ss"));
    }

    #[test]
    fn database_url_wins_over_pg_dsn_and_libpq() {
        let s = settings(&[
            "--database-url",
            "postgres://a@h/db",
            "--pg-dsn",
            "postgres://b@h/db",
            "--pghost",
            "x",
        ]);
        assert_eq!(s.database_url().unwrap().expose(), "postgres://a@h/db");
        let s = settings(&["--pg-dsn", "postgres://b@h/db", "--pghost", "x"]);
        assert_eq!(s.database_url().unwrap().expose(), "postgres://b@h/db");
    }

    #[test]
    fn unsupported_scheme_names_the_variable_not_the_secret() {
        let s = settings(&["--database-url", "mysql://root:hunter2@h/db"]);
        let err = s.database_url().unwrap_err().to_string();
        assert!(
            err.starts_with("DATABASE_URL: unsupported scheme \"mysql\""),
            "{err}"
        );
        assert!(!err.contains("hunter2"));
    }

    #[test]
    fn a_malformed_url_names_the_variable_not_the_secret() {
        let s = settings(&["--pg-dsn", "postgres://app:hunter2@db:notaport/products"]);
        let err = s.database_url().unwrap_err().to_string();
        assert_eq!(err, "PG_DSN: not a valid URL (invalid port number)");
    }
}

//! PostgreSQL connections described the libpq way — the `PG*` variables, or a `key=value`
//! connection string in `PG_DSN` (lib/pq, which the original service used, accepts both a URL and
//! that form) — turned into the `postgres://` URL the driver takes.

use url::Url;

use super::{ConfigError, DatabaseUrl};

/// The parts of a connection this service understands.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Connection {
    pub host: Option<String>,
    pub port: Option<u16>,
    pub user: Option<String>,
    pub password: Option<String>,
    pub dbname: Option<String>,
    pub sslmode: Option<String>,
}

impl Connection {
    /// Parses `host=db port=5432 user=app password='with space' dbname=x sslmode=require`:
    /// whitespace between pairs, optional spaces around `=`, values optionally single-quoted,
    /// `\` escaping the next character. Errors name the key, never a value.
    pub fn from_keywords(raw: &str, variable: &'static str) -> Result<Self, ConfigError> {
        let invalid = |reason: String| ConfigError { variable, reason };
        let mut connection = Self::default();
        let mut rest = raw.trim_start();
        while !rest.is_empty() {
            let (key, after_key) = rest
                .split_once('=')
                .ok_or_else(|| invalid("expected key=value pairs".to_owned()))?;
            let key = key.trim();
            let (value, after_value) = keyword_value(after_key.trim_start())
                .ok_or_else(|| invalid(format!("the value of {key:?} has no closing quote")))?;
            match key {
                "host" => connection.host = Some(value),
                "port" => {
                    connection.port = Some(
                        value
                            .parse()
                            .map_err(|_| invalid("port is not a port number".to_owned()))?,
                    )
                }
                "user" => connection.user = Some(value),
                "password" => connection.password = Some(value),
                "dbname" => connection.dbname = Some(value),
                "sslmode" => connection.sslmode = Some(value),
                other => {
                    return Err(invalid(format!(
                        "unsupported key {other:?}; use host, port, user, password, dbname, sslmode"
                    )));
                }
            }
            rest = after_value.trim_start();
        }
        Ok(connection)
    }

    /// The URL; a host that is a path is a Unix socket directory, carried as a `host` parameter.
    pub fn url(&self, variable: &'static str) -> Result<DatabaseUrl, ConfigError> {
        let invalid = |reason: &str| ConfigError {
            variable,
            reason: reason.to_owned(),
        };
        let mut url = Url::parse("postgres://localhost").expect("constant URL parses");
        match self.host.as_deref() {
            Some(socket_dir) if socket_dir.starts_with('/') => {
                url.query_pairs_mut().append_pair("host", socket_dir);
            }
            Some(host) => url
                .set_host(Some(host))
                .map_err(|_| invalid("not a valid host name"))?,
            None => {}
        }
        url.set_port(self.port)
            .map_err(|_| invalid("cannot carry a port"))?;
        if let Some(user) = &self.user {
            url.set_username(user)
                .map_err(|_| invalid("cannot carry a user"))?;
        }
        if let Some(password) = &self.password {
            url.set_password(Some(password))
                .map_err(|_| invalid("cannot carry a password"))?;
        }
        if let Some(dbname) = &self.dbname {
            let encoded =
                percent_encoding::utf8_percent_encode(dbname, percent_encoding::NON_ALPHANUMERIC);
            url.set_path(&format!("/{encoded}"));
        }
        if let Some(mode) = &self.sslmode {
            url.query_pairs_mut().append_pair("sslmode", mode);
        }
        Ok(DatabaseUrl(url.into()))
    }
}

/// Whether `raw` is a `key=value` connection string rather than a URL.
pub fn is_keyword_form(raw: &str) -> bool {
    !raw.contains("://") && raw.contains('=')
}

/// One value at the start of `input` (quoted or up to the next white space) and what follows
/// it; `None` for an unclosed quote.
fn keyword_value(input: &str) -> Option<(String, &str)> {
    let quoted = input.starts_with('\'');
    let mut value = String::new();
    let mut chars = input.char_indices().skip(usize::from(quoted));
    while let Some((at, c)) = chars.next() {
        match c {
            '\\' => value.extend(chars.next().map(|(_, escaped)| escaped)),
            '\'' if quoted => return Some((value, &input[at + 1..])),
            c if !quoted && c.is_whitespace() => return Some((value, &input[at..])),
            c => value.push(c),
        }
    }
    (!quoted).then_some((value, ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_keyword_connection_string_becomes_the_same_url_as_the_variables() {
        let parsed = Connection::from_keywords(
            r"host=db.internal port = 5433 user=app password='p@ss w\'d' dbname=inventory sslmode=require",
            "PG_DSN",
        )
        .unwrap();
        assert_eq!(
            parsed,
            Connection {
                host: Some("db.internal".into()),
                port: Some(5433),
                user: Some("app".into()),
                password: Some("p@ss w'd".into()),
                dbname: Some("inventory".into()),
                sslmode: Some("require".into()),
            }
        );
        assert_eq!(
            parsed.url("PG_DSN").unwrap().expose(),
            "postgres://app:p%40ss%20w'd@db.internal:5433/inventory?sslmode=require"
        );
        assert!(is_keyword_form("host=x"));
        assert!(!is_keyword_form("postgres://a@h/db?sslmode=require"));
    }

    #[test]
    fn bad_keyword_strings_name_the_problem_not_the_secret() {
        for (raw, reason) in [
            (
                "host=x password='hunter2",
                "the value of \"password\" has no closing quote",
            ),
            (
                "host=x connect_timeout=5",
                "unsupported key \"connect_timeout\"",
            ),
            ("host=x port=hunter2", "port is not a port number"),
        ] {
            let err = Connection::from_keywords(raw, "PG_DSN").unwrap_err();
            assert!(
                err.to_string().starts_with(&format!("PG_DSN: {reason}")),
                "{err}"
            );
            assert!(!err.to_string().contains("hunter2"));
        }
    }
}

//! The OTLP/HTTP (protobuf) span exporter: batches from the SDK's batch processor, encoded by
//! [`otlp_protobuf`](super::otlp_protobuf), posted to `/v1/traces`. Configured by the standard
//! variables (endpoint, per-signal endpoint, headers, timeout, compression); transient
//! failures (no answer, 429, 502, 503, 504) are retried with backoff until the timeout.
//! gRPC export stays with opentelemetry-otlp (`traces.rs`).

use std::env;
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use percent_encoding::percent_decode_str;
use reqwest::StatusCode;
use reqwest::blocking::Client;
use reqwest::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue, RETRY_AFTER};

use super::otlp_protobuf;

/// Where and how spans are sent, from `OTEL_EXPORTER_OTLP_*`.
pub struct Settings {
    endpoint: reqwest::Url,
    headers: HeaderMap,
    timeout: Duration,
}

/// Reads a variable (unset and blank alike are `None`).
type Lookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// `OTEL_EXPORTER_OTLP_TRACES_<SETTING>`, else `OTEL_EXPORTER_OTLP_<SETTING>`, as the
/// specification orders them, with the name of the one that was set (for error messages).
pub fn traces_or_general(var: Lookup, setting: &str) -> Option<(String, String)> {
    [
        format!("OTEL_EXPORTER_OTLP_TRACES_{setting}"),
        format!("OTEL_EXPORTER_OTLP_{setting}"),
    ]
    .into_iter()
    .find_map(|name| var(&name).map(|value| (name, value)))
}

/// The process environment as a [`Lookup`].
pub fn env_var(name: &str) -> Option<String> {
    env::var(name).ok().filter(|v| !v.trim().is_empty())
}

impl Settings {
    /// Errors name the variable, never a header's value (it is often a credential).
    pub fn from_env() -> Result<Self, String> {
        Self::from_lookup(&env_var)
    }

    fn from_lookup(var: Lookup) -> Result<Self, String> {
        // The per-signal endpoint is used as given; the general one gets the signal's path.
        let (name, endpoint) = match traces_or_general(var, "ENDPOINT") {
            Some((name, base)) if name == "OTEL_EXPORTER_OTLP_ENDPOINT" => {
                let endpoint = format!("{}/v1/traces", base.trim().trim_end_matches('/'));
                (name, endpoint)
            }
            Some(traces) => traces,
            None => (
                "the default endpoint".to_owned(),
                "http://localhost:4318/v1/traces".to_owned(),
            ),
        };
        let endpoint =
            reqwest::Url::parse(endpoint.trim()).map_err(|err| format!("{name}: {err}"))?;
        let headers = match traces_or_general(var, "HEADERS") {
            Some((name, list)) => parse_headers(&list).map_err(|err| format!("{name}: {err}"))?,
            None => HeaderMap::new(),
        };
        let timeout = match traces_or_general(var, "TIMEOUT") {
            Some((name, millis)) => millis
                .trim()
                .parse()
                .map(Duration::from_millis)
                .map_err(|_| format!("{name}: `{millis}` is not a number of milliseconds"))?,
            None => Duration::from_secs(10),
        };
        if let Some((name, compression)) = traces_or_general(var, "COMPRESSION")
            && compression.trim() != "none"
        {
            return Err(format!(
                "{name}: `{compression}` is not supported; only `none` (the collector is a \
                 sidecar on the task's loopback)"
            ));
        }
        Ok(Self {
            endpoint,
            headers,
            timeout,
        })
    }
}

/// `key1=value1,key2=value2`, values percent-decoded (the W3C Baggage format the
/// specification uses).
fn parse_headers(list: &str) -> Result<HeaderMap, String> {
    let mut headers = HeaderMap::new();
    for entry in list.split(',').filter(|entry| !entry.trim().is_empty()) {
        let (key, value) = entry
            .split_once('=')
            .ok_or_else(|| "every entry must be key=value".to_owned())?;
        let key = key.trim();
        let name = HeaderName::try_from(key).map_err(|_| format!("`{key}` is no header name"))?;
        let value = percent_decode_str(value.trim()).decode_utf8_lossy();
        let mut value = HeaderValue::try_from(value.as_ref())
            .map_err(|_| format!("the value of `{key}` is no header value"))?;
        value.set_sensitive(true);
        headers.insert(name, value);
    }
    Ok(headers)
}

pub struct OtlpHttpExporter {
    settings: Settings,
    resource: Resource,
    /// Made on first use, on the batch processor's own thread: reqwest's blocking client runs
    /// a runtime of its own, which may be neither made nor dropped inside the service's.
    client: OnceLock<Client>,
}

impl OtlpHttpExporter {
    pub fn new(settings: Settings) -> Self {
        Self {
            settings,
            resource: Resource::builder_empty().build(),
            client: OnceLock::new(),
        }
    }

    fn client(&self) -> Result<&Client, String> {
        if let Some(client) = self.client.get() {
            return Ok(client);
        }
        let client = Client::builder()
            .build()
            .map_err(|err| format!("OTLP/HTTP client: {err}"))?;
        Ok(self.client.get_or_init(|| client))
    }

    /// Posts `body`, retrying transient failures with doubling waits (or the collector's
    /// `Retry-After`) for as long as the timeout allows.
    fn send(&self, body: Vec<u8>) -> Result<(), String> {
        // Built once; each attempt clones it, which shares the body rather than copying it.
        let request = self
            .client()?
            .post(self.settings.endpoint.clone())
            .headers(self.settings.headers.clone())
            .header(CONTENT_TYPE, "application/x-protobuf")
            .body(body);
        let deadline = Instant::now() + self.settings.timeout;
        let mut backoff = Duration::from_millis(100);
        loop {
            let remaining = deadline.saturating_duration_since(Instant::now());
            let outcome = request
                .try_clone()
                .expect("an in-memory body can be sent again")
                .timeout(remaining)
                .send();
            let (failure, retry_after) = match outcome {
                Ok(response) => {
                    let status = response.status();
                    let retry_after = retry_after(response.headers());
                    // Read to the end, so that the connection is kept for the next batch.
                    let _ = response.bytes();
                    if status.is_success() {
                        return Ok(());
                    }
                    if !is_transient(status) {
                        return Err(format!("the collector answered {status}"));
                    }
                    (format!("the collector answered {status}"), retry_after)
                }
                Err(err) => (
                    format!("no answer from the collector: {}", err.without_url()),
                    None,
                ),
            };
            let wait = retry_after.unwrap_or(backoff);
            if Instant::now() + wait >= deadline {
                return Err(failure);
            }
            thread::sleep(wait);
            backoff *= 2;
        }
    }
}

/// OTLP/HTTP's retryable answers.
fn is_transient(status: StatusCode) -> bool {
    matches!(status.as_u16(), 429 | 502 | 503 | 504)
}

fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let seconds = headers
        .get(RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    Some(Duration::from_secs(seconds))
}

impl std::fmt::Debug for OtlpHttpExporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Neither the endpoint (it may carry user:password) nor the headers.
        f.debug_struct("OtlpHttpExporter").finish_non_exhaustive()
    }
}

impl SpanExporter for OtlpHttpExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let body = otlp_protobuf::export_request(&self.resource, &batch);
        drop(batch);
        self.send(body).map_err(OTelSdkError::InternalFailure)
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.resource = resource.clone();
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, String> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Settings::from_lookup(&|name| vars.get(name).cloned())
    }

    #[test]
    fn the_endpoint_is_the_traces_one_as_given_or_the_general_one_with_its_path() {
        let endpoint = |vars: &[(&str, &str)]| settings(vars).unwrap().endpoint.to_string();
        assert_eq!(endpoint(&[]), "http://localhost:4318/v1/traces");
        assert_eq!(
            endpoint(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318/")]),
            "http://collector:4318/v1/traces"
        );
        assert_eq!(
            endpoint(&[
                ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"),
                (
                    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
                    "http://other:9999/custom"
                ),
            ]),
            "http://other:9999/custom"
        );
        assert!(settings(&[("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url")]).is_err());
    }

    #[test]
    fn headers_are_percent_decoded_and_the_traces_list_wins() {
        let headers = settings(&[(
            "OTEL_EXPORTER_OTLP_HEADERS",
            "authorization=Bearer%20s3cret, x-tenant = products",
        )])
        .unwrap()
        .headers;
        assert_eq!(headers["authorization"], "Bearer s3cret");
        assert_eq!(headers["x-tenant"], "products");

        let headers = settings(&[
            ("OTEL_EXPORTER_OTLP_HEADERS", "x-general=1"),
            ("OTEL_EXPORTER_OTLP_TRACES_HEADERS", "x-traces=2"),
        ])
        .unwrap()
        .headers;
        assert_eq!(headers.len(), 1);
        assert_eq!(headers["x-traces"], "2");
    }

    #[test]
    fn a_bad_setting_is_an_error_that_names_the_variable_and_not_the_secret() {
        let err = settings(&[("OTEL_EXPORTER_OTLP_HEADERS", "authorization")])
            .err()
            .expect("an error");
        assert!(err.starts_with("OTEL_EXPORTER_OTLP_HEADERS"), "{err}");
        let err = settings(&[("OTEL_EXPORTER_OTLP_HEADERS", "bad name=s3cret")])
            .err()
            .expect("an error");
        assert!(!err.contains("s3cret"), "{err}");
        let err = settings(&[("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "soon")])
            .err()
            .expect("an error");
        assert!(
            err.starts_with("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT"),
            "{err}"
        );
        assert!(settings(&[("OTEL_EXPORTER_OTLP_COMPRESSION", "gzip")]).is_err());
        assert_eq!(
            settings(&[("OTEL_EXPORTER_OTLP_TIMEOUT", "2500")])
                .unwrap()
                .timeout,
            Duration::from_millis(2500)
        );
    }
}

//! Database client spans: one per statement, a child of the request being served, named and
//! attributed by the OpenTelemetry database conventions. The statement text keeps its
//! placeholders; parameter values are never recorded.

use std::borrow::Cow;
use std::fmt::Display;
use std::future::Future;

use opentelemetry::trace::{Span as _, SpanKind, Status, TraceContextExt, Tracer as _};
use opentelemetry::{Context, KeyValue};
use opentelemetry_sdk::trace::Span;

use super::traces::tracer;

/// The span of one statement; dropped unfinished (a cancelled request), it still ends.
pub struct StatementSpan(Option<Span>);

impl StatementSpan {
    /// Starts the span of `sql` on `system` (e.g. `postgresql`) when there is a request span to
    /// hang it under; outside a request (migrations at start-up, maintenance) nothing is
    /// recorded, and `sql` is not copied. The span borrows nothing, so the statement it names
    /// can be moved into the future given to [`StatementSpan::around`].
    pub fn start(system: &'static str, sql: &str) -> Self {
        let Some(tracer) = tracer() else {
            return Self(None);
        };
        let parent = Context::current();
        if !parent.has_active_span() {
            return Self(None);
        }
        let operation = operation(sql);
        let collection = collection(sql);
        let name = match collection {
            Some(table) => [&operation, " ", table].concat(),
            None => operation.to_string(),
        };
        let mut attributes = Vec::with_capacity(4);
        attributes.extend([
            KeyValue::new("db.system.name", system),
            KeyValue::new("db.operation.name", operation),
            KeyValue::new("db.query.text", sql.to_owned()),
        ]);
        if let Some(table) = collection {
            attributes.push(KeyValue::new("db.collection.name", table.to_owned()));
        }
        let span = tracer
            .span_builder(name)
            .with_kind(SpanKind::Client)
            .with_attributes(attributes)
            .start_with_context(tracer, &parent);
        Self(Some(span))
    }

    /// Runs `statement` in this span, then ends it, with Error status if the statement failed.
    pub async fn around<T, E: Display>(
        self,
        statement: impl Future<Output = Result<T, E>>,
    ) -> Result<T, E> {
        let result = statement.await;
        self.end(&result);
        result
    }

    fn end<T, E: Display>(self, result: &Result<T, E>) {
        if let Some(mut span) = self.0 {
            if let Err(err) = result {
                span.set_status(Status::error(err.to_string()));
            }
            span.end();
        }
    }
}

/// The statement's first keyword, upper-cased (`SELECT`, `INSERT`, …, `BEGIN`, `COMMIT`).
pub(super) fn operation(sql: &str) -> Cow<'static, str> {
    const KNOWN: [&str; 7] = [
        "SELECT", "INSERT", "UPDATE", "DELETE", "BEGIN", "COMMIT", "ROLLBACK",
    ];
    let first = sql.split_whitespace().next().unwrap_or_default();
    match KNOWN.iter().find(|known| known.eq_ignore_ascii_case(first)) {
        Some(known) => Cow::Borrowed(known),
        None => Cow::Owned(first.to_ascii_uppercase()),
    }
}

/// The table a statement reads or writes: the name after its first `FROM`, `INTO` or `UPDATE`.
fn collection(sql: &str) -> Option<&str> {
    let mut words = sql.split_ascii_whitespace();
    words.find(|word| {
        ["FROM", "INTO", "UPDATE"]
            .iter()
            .any(|keyword| word.eq_ignore_ascii_case(keyword))
    })?;
    words
        .next()?
        .trim_start_matches('"')
        .split(['"', '('])
        .next()
        .filter(|table| !table.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_operation_and_table_of_each_statement_sea_orm_sends() {
        let cases = [
            (
                r#"SELECT "products"."name" FROM "products" WHERE "products"."name" = $1 LIMIT $2"#,
                "SELECT",
                Some("products"),
            ),
            (
                r#"INSERT INTO "products" ("name") VALUES ($1) RETURNING "name""#,
                "INSERT",
                Some("products"),
            ),
            (
                r#"UPDATE "products" SET "quantity" = $1 RETURNING "name""#,
                "UPDATE",
                Some("products"),
            ),
            (
                "DELETE FROM idempotency_keys WHERE idempotency_key = $1",
                "DELETE",
                Some("idempotency_keys"),
            ),
            (
                "insert into products(name, quantity) values ($1, $2)",
                "INSERT",
                Some("products"),
            ),
            ("BEGIN", "BEGIN", None),
            ("select 1", "SELECT", None),
            ("vacuum", "VACUUM", None),
        ];
        for (sql, op, table) in cases {
            assert_eq!(
                (operation(sql).as_ref(), collection(sql)),
                (op, table),
                "{sql}"
            );
        }
    }
}

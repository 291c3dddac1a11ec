use chrono::{DateTime, SubsecRound, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, DatabaseTransaction, DbErr, EntityTrait,
    ExprTrait, QueryFilter, QueryOrder, QuerySelect,
};

use std::sync::Arc;

use super::StoreError;
use super::entity::{self as product, Column};
use super::executor::Executor;
use crate::domain::{Delta, Product, ProductName, QUANTITY_MAX, Quantity, Version, VersionMatch};

/// The product repository: the only place that turns product operations into SQL.
#[derive(Clone, Debug)]
pub struct Store {
    /// The pool, for health, metrics and new transactions.
    pool: DatabaseConnection,
    /// Where product statements run: the pool, or one request's transaction.
    db: Executor,
}

/// What a `PUT` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PutOutcome {
    Created(Product),
    Replaced(Product),
}

type Result<T> = std::result::Result<T, StoreError>;

impl Store {
    pub fn new(pool: DatabaseConnection) -> Self {
        Self {
            db: Executor::Pool(pool.clone()),
            pool,
        }
    }

    /// The same repository running its statements in `txn`.
    pub fn within(&self, txn: Arc<DatabaseTransaction>) -> Self {
        Self {
            pool: self.pool.clone(),
            db: Executor::Transaction(txn),
        }
    }

    pub(super) fn connection(&self) -> &DatabaseConnection {
        &self.pool
    }

    /// Up to `limit` products with names after `after`, in code-point order.
    pub async fn list(&self, after: Option<&str>, limit: u64) -> Result<Vec<Product>> {
        let mut query = product::Entity::find()
            .order_by_asc(Column::Name)
            .limit(limit);
        if let Some(after) = after {
            // PostgreSQL text cannot hold U+0000, and no name contains it (control characters
            // are refused), so for every stored name n: n > "x\0y" exactly when n > "x".
            let after = after.split('\0').next().unwrap_or_default();
            query = query.filter(Column::Name.gt(after));
        }
        collect(query.all(&self.db).await?)
    }

    /// Every product, in code-point order (the seed-compatible list has no pages).
    pub async fn list_all(&self) -> Result<Vec<Product>> {
        let rows = product::Entity::find()
            .order_by_asc(Column::Name)
            .all(&self.db)
            .await?;
        collect(rows)
    }

    pub async fn get(&self, name: &ProductName) -> Result<Product> {
        product::Entity::find_by_id(name.as_str())
            .one(&self.db)
            .await?
            .ok_or(StoreError::NotFound)
            .and_then(into_product)
    }

    /// Inserts a new product. A conflict is an answer, not an error: inside a request's
    /// transaction (idempotent writes) a failed statement would abort it on PostgreSQL.
    pub async fn create(&self, name: &ProductName, quantity: Quantity) -> Result<Product> {
        let inserted = product::Entity::insert(new_row(name, quantity))
            .on_conflict(OnConflict::column(Column::Name).do_nothing().to_owned())
            .exec_with_returning(&self.db)
            .await;
        match inserted {
            Ok(row) => into_product(row),
            Err(DbErr::RecordNotInserted | DbErr::RecordNotFound(_)) => {
                Err(StoreError::AlreadyExists)
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Creates or replaces the quantity, honouring `If-Match` / `If-None-Match` semantics:
    /// with `if_match` only an existing, matching product is changed (nothing is created);
    /// with `if_none_match` a matching product is left alone. A failed condition changes nothing.
    pub async fn put(
        &self,
        name: &ProductName,
        quantity: Quantity,
        if_match: Option<&VersionMatch>,
        if_none_match: Option<&VersionMatch>,
    ) -> Result<PutOutcome> {
        if let Some(if_match) = if_match {
            // `If-Match` requires a current version and `If-None-Match: *` forbids one.
            if if_none_match == Some(&VersionMatch::Any) {
                return Err(StoreError::PreconditionFailed);
            }
            let mut update = product::Entity::update_many()
                .col_expr(Column::Quantity, Expr::value(quantity.get()))
                .col_expr(Column::Version, Expr::col(Column::Version).add(1))
                .col_expr(Column::UpdatedAt, Expr::value(now()))
                .filter(Column::Name.eq(name.as_str()))
                .filter(version_condition(if_match));
            if let Some(tags @ VersionMatch::OneOf(_)) = if_none_match {
                update = update.filter(version_condition(tags).not());
            }
            let updated = update.exec_with_returning(&self.db).await?;
            return match updated.into_iter().next() {
                Some(row) => into_product(row).map(PutOutcome::Replaced),
                None => Err(StoreError::PreconditionFailed),
            };
        }

        let on_conflict = match if_none_match {
            Some(VersionMatch::Any) => OnConflict::column(Column::Name).do_nothing().to_owned(),
            other => {
                let mut replace = OnConflict::column(Column::Name);
                replace
                    .update_columns([Column::Quantity, Column::UpdatedAt])
                    .value(
                        Column::Version,
                        Expr::col((product::Entity, Column::Version)).add(1),
                    );
                if let Some(VersionMatch::OneOf(versions)) = other {
                    replace.action_and_where(
                        Expr::col((product::Entity, Column::Version))
                            .is_not_in(versions.iter().map(|v| v.0)),
                    );
                }
                replace
            }
        };
        let upserted = product::Entity::insert(new_row(name, quantity))
            .on_conflict(on_conflict)
            .exec_with_returning(&self.db)
            .await;
        match upserted {
            Ok(row) => {
                let product = into_product(row)?;
                Ok(if product.version == Version(1) {
                    PutOutcome::Created(product)
                } else {
                    PutOutcome::Replaced(product)
                })
            }
            // The precondition held the write back: the conditional upsert returned no row.
            Err(DbErr::RecordNotInserted | DbErr::RecordNotFound(_)) => {
                Err(StoreError::PreconditionFailed)
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Sets the quantity of an existing product (the seed-compatible `PUT /product`).
    pub async fn set_quantity(&self, name: &ProductName, quantity: Quantity) -> Result<Product> {
        match self
            .put(name, quantity, Some(&VersionMatch::Any), None)
            .await
        {
            Err(StoreError::PreconditionFailed) => Err(StoreError::NotFound),
            other => other.map(|outcome| match outcome {
                PutOutcome::Created(p) | PutOutcome::Replaced(p) => p,
            }),
        }
    }

    /// Deletes the product. With `if_match`, only when its version matches (otherwise, and when
    /// there is no such product, `PreconditionFailed`, as RFC 9110 evaluates `If-Match` first).
    pub async fn delete(
        &self,
        name: &ProductName,
        if_match: Option<&VersionMatch>,
    ) -> Result<Product> {
        let mut delete = product::Entity::delete_many().filter(Column::Name.eq(name.as_str()));
        if let Some(if_match) = if_match {
            delete = delete.filter(version_condition(if_match));
        }
        match delete
            .exec_with_returning(&self.db)
            .await?
            .into_iter()
            .next()
        {
            Some(row) => into_product(row),
            None if if_match.is_some() => Err(StoreError::PreconditionFailed),
            None => Err(StoreError::NotFound),
        }
    }

    /// Adds `delta` in one conditional statement, so concurrent adjustments never lose an update
    /// and a result outside 0–2147483647 changes nothing.
    pub async fn adjust(&self, name: &ProductName, delta: Delta) -> Result<Product> {
        let adjusted = product::Entity::update_many()
            .col_expr(
                Column::Quantity,
                Expr::col(Column::Quantity).add(delta.get()),
            )
            .col_expr(Column::Version, Expr::col(Column::Version).add(1))
            .col_expr(Column::UpdatedAt, Expr::value(now()))
            .filter(Column::Name.eq(name.as_str()))
            .filter(
                Expr::col(Column::Quantity)
                    .add(delta.get())
                    .between(0, QUANTITY_MAX),
            )
            .exec_with_returning(&self.db)
            .await?;
        match adjusted.into_iter().next() {
            Some(row) => into_product(row),
            // Only to tell the two refusals apart; nothing was changed.
            None => match self.get(name).await {
                Ok(_) => Err(StoreError::OutOfRange),
                Err(err) => Err(err),
            },
        }
    }

    /// `(idle, in_use)` pool connections, for the metrics.
    pub fn pool_state(&self) -> (u32, u32) {
        super::pool::state(&self.pool)
    }

    /// True when the database answers a trivial query.
    pub async fn ping(&self) -> Result<()> {
        Ok(self.pool.ping().await?)
    }

    /// True when every migration this binary knows is applied (readiness).
    pub async fn migrations_applied(&self) -> Result<bool> {
        Ok(super::migrations::all_applied(&self.pool).await?)
    }

    /// Folds SQLite's write-ahead log back into the database file ([`super::pool::truncate_wal`]).
    pub async fn truncate_wal(&self) -> Result<()> {
        Ok(super::pool::truncate_wal(&self.pool).await?)
    }

    /// Closes the pool's connections (at shutdown).
    pub async fn close(&self) -> Result<()> {
        Ok(self.pool.clone().close().await?)
    }
}

/// Timestamps at the precision both databases keep, so a product reads back as it was written.
fn now() -> DateTime<Utc> {
    Utc::now().trunc_subsecs(6)
}

fn new_row(name: &ProductName, quantity: Quantity) -> product::ActiveModel {
    let now = now();
    product::ActiveModel {
        name: Set(name.as_str().to_owned()),
        quantity: Set(quantity.get()),
        version: Set(1),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

fn version_condition(versions: &VersionMatch) -> sea_orm::sea_query::SimpleExpr {
    match versions {
        VersionMatch::Any => Expr::value(true),
        VersionMatch::OneOf(versions) => Column::Version.is_in(versions.iter().map(|v| v.0)),
    }
}

fn collect(rows: Vec<product::Model>) -> Result<Vec<Product>> {
    rows.into_iter().map(into_product).collect()
}

/// Rows are checked on the way out too: a row that breaks the rules (e.g. written by hand) is
/// reported as an internal error instead of being served.
fn into_product(row: product::Model) -> Result<Product> {
    let invalid = |err: crate::domain::RuleViolation| {
        StoreError::Internal(DbErr::Type(format!("stored product breaks a rule: {err}")))
    };
    Ok(Product {
        name: ProductName::parse(&row.name, "name").map_err(invalid)?,
        quantity: Quantity::parse(row.quantity, "quantity").map_err(invalid)?,
        version: Version(row.version),
        created_at: row.created_at,
        updated_at: row.updated_at,
    })
}

//! Creates `products`, or adopts the table the original Go service left behind.
//!
//! The Go service ran `CREATE TABLE IF NOT EXISTS products(name TEXT, quantity INT)`: no key, so
//! duplicate names, NULL names and NULL quantities may exist. Adoption rebuilds the table in one
//! transaction and loses nothing:
//! - per name, the row the original's `GET /product?name=` returned stays (the last one in physical
//!   order: highest `ctid` on PostgreSQL, highest `rowid` on SQLite);
//! - every other row is copied untouched into `products_legacy_rows` with a `reason`;
//! - a survivor whose quantity is NULL or negative gets 0, one above the service's maximum gets
//!   the maximum, and its original row is recorded too;
//! - a name the service's rules refuse (`ProductName::parse`: length, control characters, white
//!   space at either end, `.`/`..`) is recorded, not adopted: it could be neither read nor
//!   deleted through the API, and one such row would fail every list.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20260101_000001_create_products"
    }
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let dialect = Dialect::of(manager.get_database_backend())?;
        let db = manager.get_connection();
        db.execute_unprepared(&dialect.create_legacy_rows_table())
            .await?;
        let seed_table_exists = manager.has_table("products").await?;
        if !seed_table_exists {
            return db
                .execute_unprepared(&dialect.create_products_table("products"))
                .await
                .map(drop);
        }
        if manager.has_column("products", "version").await? {
            // Already ours (e.g. the migration record was lost): nothing to convert.
            return Ok(());
        }
        for statement in dialect.adopt_seed_table() {
            db.execute_unprepared(&statement).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        db.execute_unprepared("DROP TABLE IF EXISTS products")
            .await?;
        db.execute_unprepared("DROP TABLE IF EXISTS products_legacy_rows")
            .await?;
        Ok(())
    }

    /// Adoption is several statements; on SQLite too they must all happen or none.
    fn use_transaction(&self) -> Option<bool> {
        Some(true)
    }
}

/// The characters `ProductName` refuses anywhere in a name (general category Cc; U+0000 cannot
/// be stored, and would end SQLite's pattern), as inclusive code point ranges.
pub const NAME_CONTROL_RANGES: [(u32, u32); 2] = [(0x01, 0x1f), (0x7f, 0x9f)];

/// The characters `ProductName` refuses at either end of a name (Unicode White_Space, as Rust's
/// `char::is_whitespace`), as inclusive code point ranges.
pub const NAME_WHITE_SPACE_RANGES: [(u32, u32); 10] = [
    (0x09, 0x0d),
    (0x20, 0x20),
    (0x85, 0x85),
    (0xa0, 0xa0),
    (0x1680, 0x1680),
    (0x2000, 0x200a),
    (0x2028, 0x2029),
    (0x202f, 0x202f),
    (0x205f, 0x205f),
    (0x3000, 0x3000),
];

/// The few places where SQLite and PostgreSQL DDL differ.
struct Dialect {
    /// Key column type: on PostgreSQL the `"C"` collation makes `ORDER BY name` code-point order
    /// whatever the database's locale; SQLite's default BINARY collation already is.
    name_type: &'static str,
    timestamp_type: &'static str,
    now: &'static str,
    serial_key: &'static str,
    /// The column that gives a row's physical position.
    physical_order: &'static str,
    char_length: &'static str,
    /// The function that makes a character from its code point.
    chr: &'static str,
    /// PostgreSQL matches patterns with regular expressions; SQLite (without an extension)
    /// only with GLOB.
    regex: bool,
}

impl Dialect {
    fn of(backend: DbBackend) -> Result<Self, DbErr> {
        match backend {
            DbBackend::Postgres => Ok(Self {
                name_type: r#"TEXT COLLATE "C""#,
                timestamp_type: "TIMESTAMPTZ",
                now: "CURRENT_TIMESTAMP",
                serial_key: "BIGSERIAL PRIMARY KEY",
                physical_order: "ctid",
                char_length: "char_length",
                chr: "chr",
                regex: true,
            }),
            DbBackend::Sqlite => Ok(Self {
                name_type: "TEXT",
                timestamp_type: "TEXT",
                // The same RFC 3339 shape the service writes, so every row decodes alike.
                now: "strftime('%Y-%m-%dT%H:%M:%f+00:00', 'now')",
                serial_key: "INTEGER PRIMARY KEY AUTOINCREMENT",
                physical_order: "rowid",
                char_length: "length",
                chr: "char",
                regex: false,
            }),
            other => Err(DbErr::BackendNotSupported {
                db: other.as_str(),
                ctx: "products migration",
            }),
        }
    }

    /// SQL that is true when `column` holds a name the service's rules accept.
    fn valid_name(&self, column: &str) -> String {
        let control = self.character_class(&NAME_CONTROL_RANGES);
        let white_space = self.character_class(&NAME_WHITE_SPACE_RANGES);
        let [anywhere, at_start, at_end] = if self.regex {
            [
                format!("{column} ~ ({control})"),
                format!("{column} ~ ('^' || {white_space})"),
                format!("{column} ~ ({white_space} || '$')"),
            ]
        } else {
            [
                format!("{column} GLOB ('*' || {control} || '*')"),
                format!("{column} GLOB ({white_space} || '*')"),
                format!("{column} GLOB ('*' || {white_space})"),
            ]
        };
        format!(
            "{length}({column}) BETWEEN 1 AND 128 AND {column} NOT IN ('.', '..')
             AND NOT ({anywhere}) AND NOT ({at_start}) AND NOT ({at_end})",
            length = self.char_length
        )
    }

    /// A bracket expression matching one character of `ranges`, built with the dialect's
    /// character function so that the statement's text holds no control characters.
    fn character_class(&self, ranges: &[(u32, u32)]) -> String {
        let chr = self.chr;
        let members: Vec<String> = ranges
            .iter()
            .map(|&(first, last)| {
                if first == last {
                    format!("{chr}({first})")
                } else {
                    format!("{chr}({first}) || '-' || {chr}({last})")
                }
            })
            .collect();
        format!("'[' || {} || ']'", members.join(" || "))
    }

    fn create_products_table(&self, table: &str) -> String {
        let Self {
            name_type,
            timestamp_type,
            char_length,
            ..
        } = self;
        format!(
            "CREATE TABLE {table} (
                name {name_type} NOT NULL,
                quantity BIGINT NOT NULL,
                version BIGINT NOT NULL,
                created_at {timestamp_type} NOT NULL,
                updated_at {timestamp_type} NOT NULL,
                CONSTRAINT products_pkey PRIMARY KEY (name),
                CONSTRAINT products_name_length CHECK ({char_length}(name) BETWEEN 1 AND 128),
                CONSTRAINT products_quantity_range CHECK (quantity BETWEEN 0 AND 2147483647),
                CONSTRAINT products_version_positive CHECK (version >= 1)
            )"
        )
    }

    fn create_legacy_rows_table(&self) -> String {
        let Self {
            serial_key,
            timestamp_type,
            now,
            ..
        } = self;
        format!(
            "CREATE TABLE IF NOT EXISTS products_legacy_rows (
                id {serial_key},
                name TEXT,
                quantity BIGINT,
                reason TEXT NOT NULL,
                recorded_at {timestamp_type} NOT NULL DEFAULT ({now})
            )"
        )
    }

    /// Rebuilds the seed-shaped `products` into the new shape; see the module documentation.
    fn adopt_seed_table(&self) -> Vec<String> {
        let Self {
            physical_order,
            now,
            ..
        } = self;
        let valid_name = self.valid_name("name");
        vec![
            // Classify every seed row once; both copies below read this.
            format!(
                "CREATE TEMPORARY TABLE seed_rows AS
                 SELECT name, quantity,
                        name IS NOT NULL AND position_from_last = 1 AND valid_name AS survives,
                        CASE
                          WHEN name IS NULL THEN 'null_name'
                          WHEN NOT valid_name THEN 'invalid_name'
                          WHEN position_from_last > 1 THEN 'duplicate'
                          WHEN quantity IS NULL THEN 'null_quantity'
                          WHEN quantity < 0 THEN 'negative_quantity'
                          WHEN quantity > 2147483647 THEN 'quantity_out_of_range'
                        END AS reason
                 FROM (
                   SELECT name, quantity,
                          row_number() OVER (PARTITION BY name ORDER BY {physical_order} DESC) AS position_from_last,
                          COALESCE({valid_name}, FALSE) AS valid_name
                   FROM products
                 ) ranked"
            ),
            "INSERT INTO products_legacy_rows (name, quantity, reason)
             SELECT name, quantity, reason FROM seed_rows WHERE reason IS NOT NULL"
                .to_owned(),
            self.create_products_table("products_adopted"),
            format!(
                "INSERT INTO products_adopted (name, quantity, version, created_at, updated_at)
                 SELECT name,
                        CASE WHEN quantity IS NULL OR quantity < 0 THEN 0
                             WHEN quantity > 2147483647 THEN 2147483647
                             ELSE quantity END,
                        1, {now}, {now}
                 FROM seed_rows WHERE survives"
            ),
            "DROP TABLE seed_rows".to_owned(),
            "DROP TABLE products".to_owned(),
            "ALTER TABLE products_adopted RENAME TO products".to_owned(),
        ]
    }
}

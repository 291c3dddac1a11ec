//! The v1 API: `/v1/products…`, with entity tags, conditional requests and problem errors.

use poem::web::Data;
use poem_openapi::param::{Header, Path, Query};
use poem_openapi::{ApiResponse, OpenApi};

use super::ApiTags;
use super::body::JsonBody;
use super::conditional::{Comparison, condition, etag};
use super::idempotency::{IdempotencyKey, idempotent};
use super::json::Json;
use super::problem::{Failure, statuses};
use super::schema::{Adjustment, NameInput, NewProduct, ProductPage, ProductView, QuantityUpdate};
use crate::domain::{Delta, Product, Quantity};
use crate::store::{PutOutcome, Store, StoreError};
use crate::telemetry::metrics::Metrics;

statuses! {
    ListFailures = [400, 503];
    CreateFailures = [400, 409, 413, 415, 422, 503];
    GetFailures = [404, 422, 503];
    PutFailures = [400, 412, 413, 415, 422, 503];
    DeleteFailures = [404, 412, 422, 503];
    AdjustFailures = [400, 404, 409, 413, 415, 422, 503];
}

fn default_limit() -> u32 {
    100
}

fn example_after() -> Option<String> {
    Some("ball".to_owned())
}

/// `Location` of a product: its name percent-encoded as one path segment.
pub fn location(name: &str) -> String {
    use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
    /// RFC 3986 unreserved characters stay as they are; everything else is encoded.
    const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    format!("/v1/products/{}", utf8_percent_encode(name, SEGMENT))
}

#[derive(ApiResponse)]
enum ListResponse {
    /// A page of products.
    #[oai(status = 200)]
    Page(Json<ProductPage>),
}

#[derive(ApiResponse)]
enum CreateResponse {
    /// Created.
    #[oai(status = 201)]
    Created(
        Json<ProductView>,
        /// Where the product lives.
        #[oai(header = "Location")]
        String,
        #[oai(header = "ETag")] String,
    ),
}

#[derive(ApiResponse)]
enum GetResponse {
    /// The product.
    #[oai(status = 200)]
    Found(Json<ProductView>, #[oai(header = "ETag")] String),
    /// `If-None-Match` lists the current tag; no body.
    #[oai(status = 304)]
    NotModified(#[oai(header = "ETag")] String),
}

#[derive(ApiResponse)]
enum PutResponse {
    /// The quantity was replaced.
    #[oai(status = 200)]
    Replaced(Json<ProductView>, #[oai(header = "ETag")] String),
    /// There was no such product; it was created.
    #[oai(status = 201)]
    Created(
        Json<ProductView>,
        #[oai(header = "ETag")] String,
        #[oai(header = "Location")] String,
    ),
}

#[derive(ApiResponse)]
enum DeleteResponse {
    /// Deleted.
    #[oai(status = 204)]
    Deleted,
}

#[derive(ApiResponse)]
enum AdjustResponse {
    /// The product after the adjustment.
    #[oai(status = 200)]
    Adjusted(Json<ProductView>, #[oai(header = "ETag")] String),
}

fn found(product: Product) -> (Json<ProductView>, String) {
    let tag = etag(product.version);
    (Json(product.into()), tag)
}

pub struct V1Api;

#[OpenApi(prefix_path = "/v1", tag = "ApiTags::Products")]
impl V1Api {
    /// List products
    ///
    /// Products in Unicode code-point order of `name`, `limit` at a time. To page, pass the last
    /// name of a page as `after`; `next_after` is null on the last page.
    #[oai(path = "/products", method = "get", operation_id = "listProducts")]
    async fn list(
        &self,
        store: Data<&Store>,
        /// Page size, 1–1000.
        #[oai(
            default = "default_limit",
            validator(minimum(value = "1"), maximum(value = "1000"))
        )]
        limit: Query<u32>,
        /// Return names strictly after this one (it need not exist).
        #[oai(example = "example_after")]
        after: Query<Option<String>>,
    ) -> Result<ListResponse, Failure<ListFailures>> {
        let products = store.list(after.0.as_deref(), u64::from(limit.0)).await?;
        let next_after = (products.len() == limit.0 as usize)
            .then(|| products.last().map(|p| p.name.to_string()))
            .flatten();
        Ok(ListResponse::Page(Json(ProductPage {
            items: products.into_iter().map(ProductView::from).collect(),
            next_after,
        })))
    }

    /// Create a product
    ///
    /// With an `Idempotency-Key`, a retry of the same request (same key, same body) within 24
    /// hours gets the first response again, marked `Idempotent-Replayed: true`, and creates
    /// nothing; the same key with a different request is 422.
    #[oai(
        path = "/products",
        method = "post",
        operation_id = "createProduct",
        transform = "idempotent"
    )]
    async fn create(
        &self,
        store: Data<&Store>,
        /// Makes retries safe: 1–255 visible ASCII characters, unique per intended write.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<IdempotencyKey>>,
        body: JsonBody<NewProduct>,
    ) -> Result<CreateResponse, Failure<CreateFailures>> {
        let name = body.0.name.parse("name")?;
        let quantity = Quantity::parse(body.0.quantity, "quantity")?;
        let product = store.create(&name, quantity).await?;
        let location = location(name.as_str());
        let (json, tag) = found(product);
        Ok(CreateResponse::Created(json, location, tag))
    }

    /// Get a product
    ///
    /// Answers 304 without a body when `If-None-Match` lists the current entity tag.
    #[oai(path = "/products/:name", method = "get", operation_id = "getProduct")]
    async fn get(
        &self,
        store: Data<&Store>,
        /// The product name, percent-encoded.
        name: Path<NameInput>,
        /// Entity tags the client already has, or `*`.
        #[oai(name = "If-None-Match")]
        if_none_match: Header<Option<String>>,
    ) -> Result<GetResponse, Failure<GetFailures>> {
        let name = name.0.parse("name")?;
        let product = store.get(&name).await?;
        let cached = condition(&if_none_match, Comparison::Weak)
            .is_some_and(|tags| tags.matches(product.version));
        if cached {
            return Ok(GetResponse::NotModified(etag(product.version)));
        }
        let (json, tag) = found(product);
        Ok(GetResponse::Found(json, tag))
    }

    /// Set a product's quantity (create or replace)
    ///
    /// Without conditions this is an upsert. With `If-Match` only an existing product whose tag
    /// matches is changed, and nothing is created; `If-None-Match: *` only creates.
    #[oai(path = "/products/:name", method = "put", operation_id = "putProduct")]
    async fn put(
        &self,
        store: Data<&Store>,
        /// The product name, percent-encoded.
        name: Path<NameInput>,
        /// Change only if the current entity tag is one of these (or `*`: exists).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
        /// `*`: create only; tags: change only if the current tag is none of these.
        #[oai(name = "If-None-Match")]
        if_none_match: Header<Option<String>>,
        body: JsonBody<QuantityUpdate>,
    ) -> Result<PutResponse, Failure<PutFailures>> {
        let name = name.0.parse("name")?;
        let quantity = Quantity::parse(body.0.quantity, "quantity")?;
        let if_match = condition(&if_match, Comparison::Strong);
        let if_none_match = condition(&if_none_match, Comparison::Weak);
        let outcome = store
            .put(&name, quantity, if_match.as_ref(), if_none_match.as_ref())
            .await?;
        Ok(match outcome {
            PutOutcome::Replaced(product) => {
                let (json, tag) = found(product);
                PutResponse::Replaced(json, tag)
            }
            PutOutcome::Created(product) => {
                let (json, tag) = found(product);
                PutResponse::Created(json, tag, location(name.as_str()))
            }
        })
    }

    /// Delete a product
    #[oai(
        path = "/products/:name",
        method = "delete",
        operation_id = "deleteProduct"
    )]
    async fn delete(
        &self,
        store: Data<&Store>,
        /// The product name, percent-encoded.
        name: Path<NameInput>,
        /// Delete only if the current entity tag is one of these (412 otherwise, and when the
        /// product does not exist).
        #[oai(name = "If-Match")]
        if_match: Header<Option<String>>,
    ) -> Result<DeleteResponse, Failure<DeleteFailures>> {
        let name = name.0.parse("name")?;
        let if_match = condition(&if_match, Comparison::Strong);
        store.delete(&name, if_match.as_ref()).await?;
        Ok(DeleteResponse::Deleted)
    }

    /// Adjust a product's quantity
    ///
    /// Adds `delta` atomically: concurrent adjustments all apply. When the result would leave
    /// 0 – 2147483647 nothing changes and the answer is 409.
    ///
    /// With an `Idempotency-Key`, a retried adjustment is applied once (see `createProduct`).
    #[oai(
        path = "/products/:name/adjustments",
        method = "post",
        operation_id = "adjustProduct",
        transform = "idempotent"
    )]
    async fn adjust(
        &self,
        store: Data<&Store>,
        /// Makes retries safe: 1–255 visible ASCII characters, unique per intended write.
        #[oai(name = "Idempotency-Key")]
        _idempotency_key: Header<Option<IdempotencyKey>>,
        /// The product name, percent-encoded.
        name: Path<NameInput>,
        metrics: Data<&Metrics>,
        body: JsonBody<Adjustment>,
    ) -> Result<AdjustResponse, Failure<AdjustFailures>> {
        let name = name.0.parse("name")?;
        let delta = Delta::parse(body.0.delta, "delta")?;
        let adjusted = store.adjust(&name, delta).await;
        match &adjusted {
            Ok(_) => metrics.count_adjustment(true),
            Err(StoreError::OutOfRange) => metrics.count_adjustment(false),
            Err(_) => {}
        }
        let (json, tag) = found(adjusted?);
        Ok(AdjustResponse::Adjusted(json, tag))
    }
}

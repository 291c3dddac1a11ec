//! The seed-compatible API of the original Go service: `/`, `/products`, `/product`.
//! Same paths, same JSON field names, same bytes on success; failures are problem responses.

mod body;
mod go_json;

use poem::web::Data;
use poem_openapi::param::Query;
use poem_openapi::payload::PlainText;
use poem_openapi::{ApiResponse, OpenApi};

pub use self::body::{LegacyInput, LegacyProduct};
use self::go_json::GoJson;
use super::ApiTags;
use super::body::{AnyContentType, JsonBody};
use super::problem::{Failure, statuses};
use super::schema::NameInput;
use crate::domain::{Product, ProductName, Quantity};
use crate::store::Store;

statuses! {
    ListFailures = [503];
    GetFailures = [400, 404, 422, 503];
    CreateFailures = [400, 409, 413, 422, 503];
    ChangeFailures = [400, 404, 413, 422, 503];
}

type Body = JsonBody<LegacyInput, AnyContentType>;

#[derive(ApiResponse)]
enum Echo {
    /// The product as decoded from the request (or read), written back.
    #[oai(status = 200)]
    Product(GoJson<LegacyProduct>),
}

impl Echo {
    fn of(name: &ProductName, quantity: Quantity) -> Self {
        Echo::Product(GoJson(LegacyProduct::new(name, quantity)))
    }

    fn stored(product: &Product) -> Self {
        Self::of(&product.name, product.quantity)
    }
}

#[derive(ApiResponse)]
enum ListResponse {
    /// Every product, in name order; `[]` when there are none.
    #[oai(status = 200)]
    Products(GoJson<Vec<LegacyProduct>>),
}

pub struct LegacyApi;

#[OpenApi(tag = "ApiTags::SeedCompatible")]
impl LegacyApi {
    /// Greeting (seed-compatible)
    ///
    /// Answers `Hello World!!`; `HEAD /` works too.
    #[oai(path = "/", method = "get", operation_id = "legacyHello", deprecated)]
    async fn hello(&self) -> PlainText<&'static str> {
        PlainText("Hello World!!\n")
    }

    /// List all products (seed-compatible)
    #[oai(
        path = "/products",
        method = "get",
        operation_id = "legacyListProducts",
        deprecated
    )]
    async fn list(&self, store: Data<&Store>) -> Result<ListResponse, Failure<ListFailures>> {
        let products = store.list_all().await?;
        let items = products
            .iter()
            .map(|p| LegacyProduct::new(&p.name, p.quantity))
            .collect();
        Ok(ListResponse::Products(GoJson(items)))
    }

    /// Get a product by name (seed-compatible)
    #[oai(
        path = "/product",
        method = "get",
        operation_id = "legacyGetProduct",
        deprecated
    )]
    async fn get(
        &self,
        store: Data<&Store>,
        /// The product name.
        name: Query<NameInput>,
    ) -> Result<Echo, Failure<GetFailures>> {
        let name = name.0.parse("name")?;
        Ok(Echo::stored(&store.get(&name).await?))
    }

    /// Create a product (seed-compatible)
    ///
    /// The body is JSON whatever its `Content-Type` (curl's `-d` sends a form type).
    #[oai(
        path = "/product",
        method = "post",
        operation_id = "legacyCreateProduct",
        deprecated
    )]
    async fn create(
        &self,
        store: Data<&Store>,
        body: Body,
    ) -> Result<Echo, Failure<CreateFailures>> {
        let (name, quantity) = body.0.parse()?;
        store.create(&name, quantity).await?;
        Ok(Echo::of(&name, quantity))
    }

    /// Set a product's quantity (seed-compatible)
    #[oai(
        path = "/product",
        method = "put",
        operation_id = "legacyUpdateProduct",
        deprecated
    )]
    async fn update(
        &self,
        store: Data<&Store>,
        body: Body,
    ) -> Result<Echo, Failure<ChangeFailures>> {
        let (name, quantity) = body.0.parse()?;
        store.set_quantity(&name, quantity).await?;
        Ok(Echo::of(&name, quantity))
    }

    /// Delete a product (seed-compatible)
    ///
    /// Deletes by `Name`; the echoed body is the request's.
    #[oai(
        path = "/product",
        method = "delete",
        operation_id = "legacyDeleteProduct",
        deprecated
    )]
    async fn delete(
        &self,
        store: Data<&Store>,
        body: Body,
    ) -> Result<Echo, Failure<ChangeFailures>> {
        let (name, quantity) = body.0.parse()?;
        store.delete(&name, None).await?;
        Ok(Echo::of(&name, quantity))
    }
}
